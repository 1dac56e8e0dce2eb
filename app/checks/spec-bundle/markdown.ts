import type { Heading, ListItem, Root, RootContent } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkFrontmatter from 'remark-frontmatter';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { isMap, LineCounter, parseDocument } from 'yaml';

/** The YAML block at the top of a file, between its `---` fences. */
export interface FrontmatterBlock {
  /** Line of the opening `---`. */
  startLine: number;
  /** Line of the closing `---`. */
  endLine: number;
  yaml: string;
}

export interface MarkdownHeading {
  text: string;
  line: number;
  /** The text with trailing `*(mandatory)*`-style notes removed. */
  withoutNotes: string;
}

export interface MarkdownFile {
  frontmatter?: FrontmatterBlock;
  /** The file opens with `---` that is never closed: broken frontmatter rather than none. */
  unclosedFrontmatter: boolean;
  headings: MarkdownHeading[];
  /** Line of the first task list item (`- [ ] ...` or `- [x] ...`), if any. */
  firstTaskLine?: number;
  /** The first line after the frontmatter, or line 1: where a missing section belongs. */
  bodyLine: number;
}

const processor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']);

export function parseMarkdown(text: string): MarkdownFile {
  const source = text.replace(/^\uFEFF/, '');
  const tree = processor.parse(source) as Root;
  const first = tree.children[0] as RootContent | undefined;
  const frontmatter =
    first?.type === 'yaml' && first.position
      ? { startLine: first.position.start.line, endLine: first.position.end.line, yaml: first.value }
      : undefined;

  const headings: MarkdownHeading[] = [];
  let firstTaskLine: number | undefined;
  visit(tree, (node) => {
    if (node.type === 'heading') {
      headings.push({
        text: toString(node),
        withoutNotes: headingWithoutNotes(node),
        line: node.position?.start.line ?? 1,
      });
    } else if (node.type === 'listItem' && firstTaskLine === undefined && isTaskItem(node)) {
      firstTaskLine = node.position?.start.line ?? 1;
    }
  });

  return {
    ...(frontmatter ? { frontmatter } : {}),
    unclosedFrontmatter: !frontmatter && /^---[ \t]*\r?\n/.test(source),
    headings,
    // Annotations must point at a line that exists, so a file that is all frontmatter points at its end.
    bodyLine: frontmatter ? Math.min(frontmatter.endLine + 1, lineCount(source)) : 1,
    ...(firstTaskLine !== undefined ? { firstTaskLine } : {}),
  };
}

function lineCount(text: string): number {
  const lines = text.split('\n').length;
  return text.endsWith('\n') ? lines - 1 : lines;
}

/** `## Requirements *(mandatory)*` → `Requirements`: spec-kit templates annotate headings this way. */
function headingWithoutNotes(heading: Heading): string {
  const children = [...heading.children];
  while (children.length > 0) {
    const last = children[children.length - 1];
    if (!last) break;
    const isNote = (last.type === 'emphasis' || last.type === 'strong') && /^\s*\(.*\)\s*$/.test(toString(last));
    const isBlank = last.type === 'text' && last.value.trim() === '';
    if (!isNote && !isBlank) break;
    children.pop();
  }
  return children.map((child) => toString(child)).join('').trim();
}

/**
 * remark-parse alone (without GFM) leaves task markers as text, so a task item is a list item whose
 * first paragraph starts with `[ ]`, `[x]` or `[X]`.
 */
function isTaskItem(item: ListItem): boolean {
  if (item.checked === true || item.checked === false) return true;
  const paragraph = item.children[0];
  if (paragraph?.type !== 'paragraph') return false;
  const lead = paragraph.children[0];
  return lead?.type === 'text' && /^\[[ xX]\](?:\s|$)/.test(lead.value);
}

/** Compares headings the way people mean them: case, spacing, numbering and trailing punctuation aside. */
export function normalizeHeading(text: string): string {
  return text
    .replace(/\s*([*_]{1,2})\([^)]*\)\1\s*$/, '')
    .replace(/^\s*(?:\d+(?:\.\d+)*[.)]?|[A-Z][.)])\s+/i, '')
    .replace(/[\s.:;,!?]+$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Whether the heading satisfies a required heading, with or without a trailing parenthesised note. */
export function headingMatches(heading: MarkdownHeading, required: string): boolean {
  const wanted = normalizeHeading(required);
  const candidates = [heading.text, heading.withoutNotes, heading.withoutNotes.replace(/\s*\([^)]*\)\s*$/, '')];
  return candidates.some((candidate) => normalizeHeading(candidate) === wanted);
}

export type FrontmatterParse =
  | { ok: true; data: Record<string, unknown>; keyLines: Map<string, number> }
  | { ok: false; line: number; column?: number; message: string };

/** Parses the frontmatter YAML; errors carry the absolute line in the Markdown file. */
export function parseFrontmatter(block: FrontmatterBlock): FrontmatterParse {
  const lines = new LineCounter();
  const doc = parseDocument(block.yaml, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  // The YAML text starts on the line after the opening fence.
  const absolute = (offset: number | undefined) => {
    const position = offset === undefined ? undefined : lines.linePos(offset);
    return { line: block.startLine + (position?.line ?? 1), column: position?.col };
  };
  const error = doc.errors[0];
  if (error) {
    const { line, column } = absolute(error.pos[0]);
    return { ok: false, line, column, message: firstLine(error.message) };
  }
  if (doc.contents === null) return { ok: true, data: {}, keyLines: new Map() };
  if (!isMap(doc.contents)) {
    return { ok: false, ...absolute(doc.contents.range?.[0]), message: 'frontmatter must be a mapping of keys to values' };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    return { ok: false, line: block.startLine + 1, message: cause instanceof Error ? cause.message : String(cause) };
  }
  const keyLines = new Map<string, number>();
  for (const pair of doc.contents.items) {
    const key = pair.key as { value?: unknown; range?: [number, number, number] } | null;
    if (key && key.value !== undefined) keyLines.set(String(key.value), absolute(key.range?.[0]).line);
  }
  return { ok: true, data: (data ?? {}) as Record<string, unknown>, keyLines };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
