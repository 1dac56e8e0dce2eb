import type { Finding } from '../../types.js';
import type { FileDrift } from '../drift.js';
import { defineRule, findingOf, percent } from '../rule.js';

export const driftOverThreshold = defineRule(
  'drift-over-threshold',
  'error',
  "An agent instruction file's drift score against the canonical file (changed, missing and extra shared content, normalised) is over the threshold (default 10%).",
);

export function driftOverThresholdFinding(drift: FileDrift, threshold: number): Finding {
  const worst = drift.sections
    .slice(0, 3)
    .map((section) => `"${section.title}" (${section.status})`)
    .join(', ');
  return findingOf(driftOverThreshold, {
    path: drift.path,
    startLine: 1,
    endLine: 1,
    title: `${drift.path} drifted ${percent(drift.score)} from ${drift.canonical}`,
    message:
      `${drift.path} differs from ${drift.canonical} by ${percent(drift.score)} of their shared content (threshold ${threshold}%)` +
      `${worst ? `; most of it in ${worst}` : ''}. Run \`platform-kit docs drift\` for the table and \`platform-kit docs sync --from ${drift.canonical} --to ${drift.path}\` to copy the shared sections, ` +
      'or declare per-tool sections in `allow` or between `<!-- platform-kit:local -->` markers.',
  });
}
