import type { Hunk } from '../checks/types.js';
import { parseHunkHeader } from '../git/hunk-header.js';

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
    const hunk = parseHunkHeader(line);
    if (!hunk) continue;
    hunks.push(hunk);
    pendingBase = hunk.baseLines;
    pendingHead = hunk.headLines;
  }
  return hunks;
}
