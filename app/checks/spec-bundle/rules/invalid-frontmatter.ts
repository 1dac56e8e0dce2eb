import type { Finding } from '../../types.js';
import type { FrontmatterParse, MarkdownFile } from '../markdown.js';
import { parseFrontmatter } from '../markdown.js';
import { defineRule, findingOf } from '../rule.js';

export const invalidFrontmatter = defineRule(
  'invalid-frontmatter',
  'error',
  'A spec file opens a YAML frontmatter block that does not parse (reported at the YAML error line) or is not a mapping.',
);

export type FrontmatterCheck = { findings: Finding[]; parsed?: Extract<FrontmatterParse, { ok: true }> };

/** Parses the file's frontmatter, if any, reporting why it cannot be read. */
export function checkFrontmatter(path: string, markdown: MarkdownFile): FrontmatterCheck {
  if (markdown.unclosedFrontmatter) {
    return {
      findings: [
        findingOf(invalidFrontmatter, {
          path,
          startLine: 1,
          endLine: 1,
          title: 'Frontmatter not closed',
          message: `${path} opens a frontmatter block with \`---\` on line 1 but never closes it; add a \`---\` line after the last key.`,
        }),
      ],
    };
  }
  if (!markdown.frontmatter) return { findings: [] };
  const parsed = parseFrontmatter(markdown.frontmatter);
  if (parsed.ok) return { findings: [], parsed };
  return {
    findings: [
      findingOf(invalidFrontmatter, {
        path,
        startLine: parsed.line,
        endLine: parsed.line,
        ...(parsed.column !== undefined ? { startColumn: parsed.column } : {}),
        title: 'Invalid frontmatter',
        message: `The frontmatter of ${path} is not valid YAML: ${parsed.message} (line ${parsed.line}).`,
      }),
    ],
  };
}
