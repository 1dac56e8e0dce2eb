import type { Check, CheckContext, CheckOutput, Finding } from '../types.js';
import { BundleTree, normalizeRoot } from './bundles.js';
import { checkBundle, checkConstitution } from './completeness.js';
import { resolveLinks, type LinkedBundle, type Links } from './links.js';
import type { SpecBundleOptions } from './options.js';
import { waiverReason } from './pr-body.js';
import { CHECK_ID, listOf, plural } from './rule.js';
import { bundleDeleted, bundleDeletedFinding } from './rules/bundle-deleted.js';
import { invalidFrontmatter } from './rules/invalid-frontmatter.js';
import { missingChecklist } from './rules/missing-checklist.js';
import { missingConstitution } from './rules/missing-constitution.js';
import { missingFile } from './rules/missing-file.js';
import { missingFrontmatterKey } from './rules/missing-frontmatter-key.js';
import { missingHeading } from './rules/missing-heading.js';
import { missingLink, missingLinkFinding } from './rules/missing-link.js';
import { unknownBundle, unknownBundleFinding } from './rules/unknown-bundle.js';
import { waived, waivedFinding } from './rules/waived.js';
import { waiverMissingReason, waiverMissingReasonFinding } from './rules/waiver-missing-reason.js';
import { countAddedLines, describeAddedLines, type AddedLines } from './significance.js';

export type { SpecBundleOptions } from './options.js';
export { specBundleOptionsSchema } from './options.js';

/** What the change owes: nothing, a bundle it links, or a waiver. */
type Requirement = 'not-needed' | 'linked' | 'waived' | 'waiver-without-reason' | 'missing';

export const specBundleCheck: Check<SpecBundleOptions> = {
  id: CHECK_ID,
  title: 'Spec bundle',
  description:
    'A significant change links a spec bundle (spec/<feature>/ or spec-kit specs/NNN-feature/), and every linked bundle is complete: ' +
    'required files, frontmatter, required sections and a task checklist.',
  rules: [
    missingLink,
    waiverMissingReason,
    waived,
    unknownBundle,
    bundleDeleted,
    missingFile,
    invalidFrontmatter,
    missingFrontmatterKey,
    missingHeading,
    missingChecklist,
    missingConstitution,
  ],
  run: runSpecBundle,
};

async function runSpecBundle(ctx: CheckContext<SpecBundleOptions>): Promise<CheckOutput> {
  const { changeSet, options } = ctx;
  const head = new BundleTree(changeSet, 'head');
  const links = await resolveLinks({ changeSet, options, inScope: (path) => ctx.inScope(path), head });
  const added = countAddedLines(changeSet.files, options, (path) => ctx.inScope(path));
  const readText = (side: 'base' | 'head', path: string) => ctx.readText(side, path);

  const findings: Finding[] = [
    ...links.deleted.map((entry) => bundleDeletedFinding(entry.bundle, entry.removedFiles)),
    ...links.broken.map((entry) =>
      unknownBundleFinding(
        entry.origin,
        entry.problem,
        options.layouts.map((layout) => normalizeRoot(layout.root)),
      ),
    ),
  ];

  const problemsByBundle = new Map<string, number>();
  for (const entry of links.linked) {
    const bundleFindings = await checkBundle(entry.bundle, head, readText);
    problemsByBundle.set(entry.bundle.dir, bundleFindings.length);
    findings.push(...bundleFindings);
  }
  for (const layout of options.layouts) {
    const ofLayout = links.linked.filter((entry) => entry.bundle.layout === layout).map((entry) => entry.bundle);
    if (ofLayout.length === 0) continue;
    const constitutionFindings = await checkConstitution(layout, ofLayout, changeSet, readText);
    for (const bundle of ofLayout) {
      problemsByBundle.set(bundle.dir, (problemsByBundle.get(bundle.dir) ?? 0) + constitutionFindings.length);
    }
    findings.push(...constitutionFindings);
  }

  let requirement: Requirement = links.linked.length > 0 ? 'linked' : 'not-needed';
  if (requirement === 'not-needed' && added.significant) {
    const pullRequest = changeSet.pullRequest;
    const waiverLabel = options.waiverLabel.toLowerCase();
    const waiverSet = pullRequest?.labels.some((label) => label.trim().toLowerCase() === waiverLabel) ?? false;
    const reason = waiverSet && pullRequest ? waiverReason(pullRequest.body, options.waiverLabel) : undefined;
    if (reason) {
      requirement = 'waived';
      findings.push(waivedFinding(added, options.waiverLabel, reason.reason));
    } else if (waiverSet) {
      requirement = 'waiver-without-reason';
      findings.push(waiverMissingReasonFinding(added, options.waiverLabel));
    } else {
      requirement = 'missing';
      findings.push(missingLinkFinding(added, options, pullRequest !== undefined));
    }
  }

  return { findings, summary: summarize({ links, added, requirement, problemsByBundle, waiverLabel: options.waiverLabel }) };
}

function summarize(state: {
  links: Links;
  added: AddedLines;
  requirement: Requirement;
  problemsByBundle: Map<string, number>;
  waiverLabel: string;
}): string {
  const { links, added } = state;
  const sentences: string[] = [];
  switch (state.requirement) {
    case 'linked': {
      const described = links.linked.map((entry) => describeLinked(entry, state.problemsByBundle.get(entry.bundle.dir) ?? 0));
      sentences.push(`Linked bundle${links.linked.length === 1 ? '' : 's'} ${listOf(described)}.`);
      break;
    }
    case 'waived':
      sentences.push(`${describeAddedLines(added)}; spec requirement waived with the \`${state.waiverLabel}\` label.`);
      break;
    case 'waiver-without-reason':
      sentences.push(`${describeAddedLines(added)}; the \`${state.waiverLabel}\` label needs a reason in the PR body.`);
      break;
    case 'missing':
      sentences.push(`${describeAddedLines(added)}; no spec bundle linked.`);
      break;
    case 'not-needed':
      sentences.push(
        `${describeAddedLines(added)} (threshold ${added.threshold.toLocaleString('en-US')}); no spec bundle needed.`,
      );
      break;
  }
  if (links.broken.length > 0) {
    sentences.push(`${plural(links.broken.length, 'spec link')} ${links.broken.length === 1 ? 'leads' : 'lead'} to no bundle.`);
  }
  if (links.deleted.length > 0) {
    sentences.push(`Deleted bundle${links.deleted.length === 1 ? '' : 's'} ${listOf(links.deleted.map((entry) => `${entry.bundle.dir}/`))}.`);
  }
  return sentences.join(' ');
}

function describeLinked(entry: LinkedBundle, problems: number): string {
  return `${entry.bundle.dir} (${problems === 0 ? 'complete' : plural(problems, 'problem')})`;
}
