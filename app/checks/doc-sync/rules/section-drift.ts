import type { Fix, Finding } from '../../types.js';
import { defineRule, findingOf } from '../rule.js';

export const sectionDrift = defineRule(
  'section-drift',
  'error',
  'A shared section of the agent instruction files was edited in some of them by this change and differs in the others; the finding suggests copying the newer version.',
  true,
);

export const existingSectionDrift = defineRule(
  'existing-section-drift',
  'notice',
  'A shared section differs between agent instruction files, as it did before this change; the finding suggests copying the canonical (or only) version.',
  true,
);

/** What one out-of-date copy of a section needs. */
export interface SectionDriftFields {
  /** True when this change edited the section somewhere (the rule is then `section-drift`). */
  introduced: boolean;
  title: string;
  source: string;
  target: string;
  change: 'replace' | 'insert' | 'remove';
  /** Word diff from the target's version to the source's. */
  diff: string;
  /** Other files that edited the section differently in this change. */
  conflicting: string[];
  startLine: number;
  endLine: number;
  replacement: string;
}

export function syncCommand(source: string, target: string, title: string): string {
  return `platform-kit docs sync --from ${source} --to ${target} --sections "${title.replace(/"/g, '\\"')}"`;
}

export function sectionDriftFinding(fields: SectionDriftFields): Finding {
  const { title, source, target } = fields;
  const why = fields.introduced ? 'which this change edited' : 'the reference';
  let what: string;
  if (fields.change === 'remove') {
    what = `${source} no longer has the section "${title}" (${why}); ${target} still does.`;
  } else if (fields.change === 'insert') {
    what = `${target} lacks the section "${title}" that ${source} has (${why}).`;
  } else {
    what = `"${title}" in ${target} differs from ${source} (${why}): ${fields.diff}`;
  }
  const conflict =
    fields.conflicting.length > 0
      ? ` ${fields.conflicting.join(', ')} edited it differently in this change; ${source} is taken as the reference, check which version is right.`
      : '';
  const action =
    fields.change === 'remove'
      ? `Remove it from ${target}, or declare it as ${target}'s own (\`allow\` in the config, or local markers).`
      : `Copy the section from ${source} into ${target}: apply the suggested change, or run \`${syncCommand(source, target, title)}\`.`;
  const fix: Fix = {
    kind: 'edit',
    path: target,
    startLine: fields.startLine,
    endLine: fields.endLine,
    replacement: fields.replacement,
    description: fields.change === 'remove' ? `Remove "${title}" from ${target}` : `Copy "${title}" from ${source} into ${target}`,
  };
  return findingOf(fields.introduced ? sectionDrift : existingSectionDrift, {
    path: target,
    startLine: fields.startLine,
    endLine: fields.endLine,
    title: fields.change === 'insert' ? `Section "${title}" missing` : `Section "${title}" out of sync`,
    message: `${what}${conflict} ${action}`,
    fix,
    // An insertion rewrites a neighbouring line, which reads oddly as a suggested change: the comment lists it instead.
    ...(fields.change === 'insert' ? {} : { suggestion: fields.replacement }),
  });
}
