import type { Hunk } from '../checks/types.js';

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** `@@ -a,b +c,d @@` → positions; a missing count means 1, as in unified diff. */
export function parseHunkHeader(line: string): Hunk | null {
  const match = HUNK_HEADER.exec(line);
  if (!match) return null;
  return {
    baseStart: Number(match[1]),
    baseLines: match[2] === undefined ? 1 : Number(match[2]),
    headStart: Number(match[3]),
    headLines: match[4] === undefined ? 1 : Number(match[4]),
  };
}
