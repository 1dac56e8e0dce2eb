import type { Finding } from '../../types.js';
import { normalizeRoot } from '../bundles.js';
import type { SpecBundleOptions } from '../options.js';
import { defineRule, findingOf, plural } from '../rule.js';
import { describeAddedLines, type AddedLines } from '../significance.js';

export const missingLink = defineRule(
  'missing-link',
  'error',
  'A significant change (more than `significantLines` added lines outside lock, generated and vendored files) links no spec bundle.',
);

export function missingLinkFinding(added: AddedLines, options: SpecBundleOptions, hasPullRequest: boolean): Finding {
  const roots = options.layouts.map((layout) => `${normalizeRoot(layout.root)}/<feature>`);
  const excluded = added.excluded > 0 ? ` (${plural(added.excluded, 'line')} in such files not counted)` : '';
  const ways = hasPullRequest
    ? `Link one: add a \`Spec: ${roots[0]}\` line to the PR body, add the label \`${options.linkLabelPrefix}<feature>\`, ` +
      `name the branch after the feature, or change files in ${roots.join(' or ')}. ` +
      `If no spec is needed, add the label \`${options.waiverLabel}\` and a line \`${capitalize(options.waiverLabel)} reason: ...\` to the PR body.`
    : `Name the branch after the feature folder or change files in ${roots.join(' or ')}; ` +
      `in a pull request, a \`Spec: ${roots[0]}\` line in the body or a \`${options.linkLabelPrefix}<feature>\` label also links it.`;
  return findingOf(missingLink, {
    title: 'No spec bundle linked',
    message:
      `${describeAddedLines(added)}${excluded}, over the threshold of ${added.threshold.toLocaleString('en-US')}, ` +
      `and no spec bundle is linked. ${ways}`,
  });
}

export function capitalize(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
