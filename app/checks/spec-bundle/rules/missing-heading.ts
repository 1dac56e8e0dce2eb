import type { Finding } from '../../types.js';
import { headingMatches, type MarkdownFile } from '../markdown.js';
import { defineRule, findingOf } from '../rule.js';

export const missingHeading = defineRule(
  'missing-heading',
  'error',
  'A spec file lacks a heading its layout requires (any level; case, numbering, trailing punctuation and `*(mandatory)*` notes ignored).',
);

/** One finding per missing heading; it belongs after the frontmatter, so that is where it points. */
export function checkHeadings(path: string, markdown: MarkdownFile, required: string[]): Finding[] {
  const line = markdown.bodyLine;
  return required
    .filter((heading) => !markdown.headings.some((found) => headingMatches(found, heading)))
    .map((heading) =>
      findingOf(missingHeading, {
        path,
        startLine: line,
        endLine: line,
        title: 'Required heading missing',
        message: `${path} has no "${heading}" heading; add a section such as \`## ${heading}\`.`,
      }),
    );
}
