import type { Finding } from '../../types.js';
import type { FrontmatterParse, MarkdownFile } from '../markdown.js';
import { defineRule, findingOf, listOf } from '../rule.js';

export const missingFrontmatterKey = defineRule(
  'missing-frontmatter-key',
  'error',
  'A spec file lacks a frontmatter key its layout requires (e.g. `title`, `status`, `owner` in prd.md), or leaves it empty.',
);

/** One finding per file, at the frontmatter block (line 1 when the file has none), naming every key to add. */
export function checkFrontmatterKeys(
  path: string,
  markdown: MarkdownFile,
  parsed: Extract<FrontmatterParse, { ok: true }> | undefined,
  requiredKeys: string[],
): Finding[] {
  if (requiredKeys.length === 0) return [];
  const block = markdown.frontmatter;
  if (!block || !parsed) {
    return [
      findingOf(missingFrontmatterKey, {
        path,
        startLine: 1,
        endLine: 1,
        title: 'Frontmatter missing',
        message: `${path} has no frontmatter; start it with a \`---\` block holding ${listOf(requiredKeys.map(quote))}.`,
      }),
    ];
  }
  const missing = requiredKeys.filter((key) => !(key in parsed.data));
  const empty = requiredKeys.filter((key) => key in parsed.data && isEmpty(parsed.data[key]));
  if (missing.length === 0 && empty.length === 0) return [];
  const problems = [
    ...(missing.length > 0 ? [`lacks ${listOf(missing.map(quote))}`] : []),
    ...(empty.length > 0 ? [`leaves ${listOf(empty.map(quote))} empty`] : []),
  ];
  const firstEmptyLine = empty.length > 0 ? parsed.keyLines.get(empty[0] ?? '') : undefined;
  const line = missing.length > 0 ? block.startLine : (firstEmptyLine ?? block.startLine);
  return [
    findingOf(missingFrontmatterKey, {
      path,
      startLine: line,
      endLine: missing.length > 0 ? block.endLine : line,
      title: 'Frontmatter key missing',
      message: `The frontmatter of ${path} ${problems.join(' and ')}; the layout requires ${listOf(requiredKeys.map(quote))}.`,
    }),
  ];
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function quote(key: string): string {
  return `\`${key}\``;
}
