import type { Finding } from '../../types.js';
import { defineRule, findingOf } from '../rule.js';

export const fileUnreadable = defineRule(
  'file-unreadable',
  'warning',
  'An agent instruction file is binary, not UTF-8, over the size limit, or a broken symlink, so it was not compared.',
);

export function fileUnreadableFinding(path: string, reason: string): Finding {
  return findingOf(fileUnreadable, {
    path,
    title: `${path} not compared`,
    message: `${path} ${reason}, so the doc-sync check did not compare it with the other instruction files.`,
  });
}
