import type { Hunk } from '../checks/types.js';

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * Hunk positions from the `patch` GitHub attaches to each file of a PR or comparison: the hunks of
 * a unified diff without file headers. Hunk bodies are skipped by counting their lines, so a body
 * line that happens to start with `@@ ` is never taken for a header.
 */
export function parsePatchHunks(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  let pendingBase = 0;
  let pendingHead = 0;
  for (const line of patch.split('\n')) {
    if (pendingBase > 0 || pendingHead > 0) {
      if (line.startsWith('-')) pendingBase--;
      else if (line.startsWith('+')) pendingHead--;
      else if (line.startsWith(' ') || line === '') {
        pendingBase--;
        pendingHead--;
      }
      // `\ No newline at end of file` belongs to the body but counts for neither side.
      continue;
    }
    const match = HUNK_HEADER.exec(line);
    if (!match) continue;
    const baseLines = match[2] === undefined ? 1 : Number(match[2]);
    const headLines = match[4] === undefined ? 1 : Number(match[4]);
    hunks.push({ baseStart: Number(match[1]), baseLines, headStart: Number(match[3]), headLines });
    pendingBase = baseLines;
    pendingHead = headLines;
  }
  return hunks;
}
