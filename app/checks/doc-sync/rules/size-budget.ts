import type { Finding } from '../../types.js';
import { defineRule, findingOf } from '../rule.js';

export const sizeBudget = defineRule(
  'size-budget',
  'warning',
  'An agent instruction file is larger than its tool reads (Codex reads 32 KiB of AGENTS.md by default); the rest is silently ignored.',
);

/** Points at the first line the tool no longer reads. */
export function sizeBudgetFinding(path: string, bytes: number, budget: number, firstUnreadLine: number): Finding {
  return findingOf(sizeBudget, {
    path,
    startLine: firstUnreadLine,
    endLine: firstUnreadLine,
    title: `${path} is over its ${budget.toLocaleString('en-US')}-byte budget`,
    message:
      `${path} is ${bytes.toLocaleString('en-US')} bytes; its tool reads the first ${budget.toLocaleString('en-US')}, so from line ${firstUnreadLine} on it is not read. ` +
      'Shorten it or move detail into files the instructions link to (or raise the budget in `sizeBudgets` if the tool is configured to read more).',
  });
}
