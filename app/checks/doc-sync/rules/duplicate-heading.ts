import type { Finding } from '../../types.js';
import { defineRule, findingOf } from '../rule.js';

export const duplicateHeading = defineRule(
  'duplicate-heading',
  'warning',
  'An agent instruction file repeats a heading path; the repeats are matched across files by position (#2, #3), which breaks when sections move.',
);

export function duplicateHeadingFinding(path: string, line: number, title: string, firstLine: number): Finding {
  return findingOf(duplicateHeading, {
    path,
    startLine: line,
    endLine: line,
    title: `Heading "${title}" repeated`,
    message: `${path} already has "${title}" at line ${firstLine}. Sections are matched across files by heading, so repeats are told apart only by position; merge them or give each its own heading.`,
  });
}
