import type { Definition, Heading, Root, RootContent } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkFrontmatter from 'remark-frontmatter';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { normalizeHeading } from '../spec-bundle/markdown.js';
import { blockTokens, tokensSize } from './normalize.js';

/** The part of a file under one heading, up to the next heading of any level (subsections are sections of their own). */
export interface Section {
  /** Heading texts from the top level down, e.g. `['Testing', 'Running tests']`; `[]` for the text before the first heading. */
  path: string[];
  /** The path normalised (case, numbering, trailing punctuation aside), which matches sections across files. A repeated heading gets ` #2`, ` #3`. */
  key: string;
  /** `Testing > Running tests`, as written. */
  title: string;
  /** Heading depth (1-6); 0 for the text before the first heading. */
  depth: number;
  /** First line (the heading's), 1-based. */
  startLine: number;
  /** Last line that is not blank, before the next heading; the heading's own last line when the section is empty. */
  endLine: number;
  /** Last line before the next heading, blank lines included. */
  lastLine: number;
  /** Compared content: the heading's words, then the normalised words of each block outside local regions. */
  tokens: string[];
  /** How many of `tokens` are the heading's (`#` and its words). */
  headingTokens: number;
  /** Normalised characters of `tokens`. */
  size: number;
  /** Declared as this file's own (config `allow`, or a heading inside a local region): never compared or synced. */
  local: boolean;
  /** Local regions (line ranges) inside this section. */
  localRegions: LineRange[];
  /** Position in the file. */
  index: number;
}

export interface LineRange {
  startLine: number;
  endLine: number;
}

export type DocumentProblem =
  | { kind: 'duplicate-heading'; line: number; title: string; firstLine: number }
  | { kind: 'unclosed-local-marker'; line: number }
  | { kind: 'stray-local-end-marker'; line: number };

export interface InstructionDocument {
  path: string;
  text: string;
  /** Lines without their breaks. */
  lines: string[];
  sections: Section[];
  localRegions: LineRange[];
  problems: DocumentProblem[];
}

const processor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']);

const LOCAL_START = /^<!--\s*platform-kit:local\s*-->$/;
const LOCAL_END = /^<!--\s*\/platform-kit:local\s*-->$/;

export const PREAMBLE_TITLE = '(text before the first heading)';

/** Splits an instruction file into sections; never throws on odd input (empty, no headings, CRLF, BOM). */
export function parseDocument(path: string, text: string): InstructionDocument {
  const source = text.replace(/^\uFEFF/, '');
  const lines = source.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const { blocks, definitions } = parseBlocks(lines);

  const problems: DocumentProblem[] = [];
  const localRegions = findLocalRegions(blocks, lines.length, problems);
  // Frontmatter configures one tool (Cursor's globs, say): it is that file's own, like a local region.
  const first = blocks[0];
  if (first?.node.type === 'yaml') localRegions.unshift({ startLine: first.startLine, endLine: first.endLine });
  const inLocal = (line: number) => localRegions.some((region) => line >= region.startLine && line <= region.endLine);

  const sections: Section[] = [];
  const stack: Array<{ depth: number; text: string }> = [];
  const seen = new Map<string, { count: number; line: number }>();
  let current = newSection([], 0, 1, false, sections.length);
  let hasPreamble = false;

  const close = (section: Section, nextLine: number) => {
    section.lastLine = Math.max(section.startLine, nextLine - 1);
    let end = section.lastLine;
    while (end > section.startLine && (lines[end - 1] ?? '').trim() === '') end -= 1;
    section.endLine = end;
    section.size = tokensSize(section.tokens);
    section.localRegions = localRegions.filter((region) => region.startLine >= section.startLine && region.startLine <= section.lastLine);
  };

  for (const { node, startLine: line } of blocks) {
    if (node.type === 'heading') {
      if (current.depth > 0 || hasPreamble) {
        close(current, line);
        sections.push(current);
      }
      const heading = headingText(node);
      while (stack.length > 0 && (stack[stack.length - 1]?.depth ?? 0) >= node.depth) stack.pop();
      stack.push({ depth: node.depth, text: heading });
      const path = stack.map((entry) => entry.text);
      current = newSection(path, node.depth, line, inLocal(line), sections.length);
      const previous = seen.get(current.key);
      if (previous) {
        previous.count += 1;
        problems.push({ kind: 'duplicate-heading', line, title: current.title, firstLine: previous.line });
        current.key = `${current.key} #${previous.count}`;
      } else {
        seen.set(current.key, { count: 1, line });
      }
      current.tokens.push('#', ...normalizeHeading(heading).split(' ').filter((word) => word !== ''));
      current.headingTokens = current.tokens.length;
      continue;
    }
    if (inLocal(line)) continue;
    if (current.depth === 0) hasPreamble = true;
    current.tokens.push(...blockTokens(node as RootContent, definitions));
  }
  if (current.depth > 0 || hasPreamble || sections.length === 0) {
    close(current, lines.length + 1);
    sections.push(current);
  }
  return { path, text, lines, sections, localRegions, problems };
}

function newSection(path: string[], depth: number, line: number, local: boolean, index: number): Section {
  const key = path.map((part) => normalizeHeading(part)).join(' > ');
  return {
    path,
    key,
    title: path.length === 0 ? PREAMBLE_TITLE : path.join(' > '),
    depth,
    startLine: line,
    endLine: line,
    lastLine: line,
    tokens: [],
    headingTokens: 0,
    size: 0,
    local,
    localRegions: [],
    index,
  };
}

function headingText(node: Heading): string {
  return toString(node).replace(/\s+/g, ' ').trim();
}

/** Regions between local markers (marker lines included); an unclosed region runs to the end of the file. */
function findLocalRegions(blocks: readonly Block[], lineCount: number, problems: DocumentProblem[]): LineRange[] {
  const regions: LineRange[] = [];
  let open: number | undefined;
  for (const { node, startLine: line, endLine } of blocks) {
    if (node.type !== 'html') continue;
    const value = node.value.trim();
    if (LOCAL_START.test(value)) {
      if (open !== undefined) problems.push({ kind: 'unclosed-local-marker', line: open });
      open = open ?? line;
    } else if (LOCAL_END.test(value)) {
      if (open === undefined) {
        problems.push({ kind: 'stray-local-end-marker', line });
        continue;
      }
      regions.push({ startLine: open, endLine });
      open = undefined;
    }
  }
  if (open !== undefined) {
    problems.push({ kind: 'unclosed-local-marker', line: open });
    regions.push({ startLine: open, endLine: Math.max(open, lineCount) });
  }
  return regions;
}

/** A top-level block with its lines in the whole file. */
interface Block {
  node: RootContent;
  startLine: number;
  endLine: number;
}

/** Chunks are cut at headings once they hold this many characters. */
const CHUNK_CHARS = 16 * 1024;
const ATX_HEADING = /^#{1,6}(?:[ \t]|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const DEFINITION_LINE = /^ {0,3}\[(?:[^\]\\]|\\.)+\]:/;

/**
 * The file's top-level blocks. remark's parse time grows faster than the size of one document, so a
 * large file is parsed in chunks cut at ATX headings outside code fences (a heading always starts a
 * new block, so no construct spans a cut); every chunk gets the file's link reference definitions
 * appended, so references resolve as they would in one parse.
 */
function parseBlocks(lines: readonly string[]): { blocks: Block[]; definitions: Map<string, Definition> } {
  const chunks: Array<{ start: number; end: number }> = [];
  const definitionLines: string[] = [];
  let fence: string | undefined;
  let chunkStart = 0;
  let chunkChars = 0;
  let index = 0;
  // Frontmatter may hold `#` comment lines: never cut inside it.
  if (lines[0] === '---') {
    const close = lines.findIndex((line, i) => i > 0 && (line === '---' || line === '...'));
    if (close > 0) index = close + 1;
  }
  for (; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    const marker = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
    } else if (marker) {
      fence = marker;
    } else if (ATX_HEADING.test(line) && chunkChars >= CHUNK_CHARS) {
      chunks.push({ start: chunkStart, end: index });
      chunkStart = index;
      chunkChars = 0;
    } else if (DEFINITION_LINE.test(line)) {
      definitionLines.push(line);
    }
    chunkChars += line.length + 1;
  }
  chunks.push({ start: chunkStart, end: lines.length });

  const appended = chunks.length > 1 && definitionLines.length > 0 && fence === undefined ? `\n\n${definitionLines.join('\n')}\n` : '';
  const blocks: Block[] = [];
  const definitions = new Map<string, Definition>();
  for (const chunk of chunks) {
    const count = chunk.end - chunk.start;
    const tree = processor.parse(lines.slice(chunk.start, chunk.end).join('\n') + appended) as Root;
    visit(tree, 'definition', (node: Definition) => {
      if (!definitions.has(node.identifier)) definitions.set(node.identifier, node);
    });
    for (const node of tree.children) {
      const start = node.position?.start.line ?? 1;
      if (start > count) break;
      blocks.push({ node, startLine: chunk.start + start, endLine: chunk.start + Math.min(count, node.position?.end.line ?? start) });
    }
  }
  return { blocks, definitions };
}

/** Normalised heading path of a `Tools > Gemini CLI` string, as section keys spell it. */
export function keyOf(headingPath: string): string {
  return headingPath
    .split('>')
    .map((part) => normalizeHeading(part))
    .join(' > ');
}

/**
 * Marks the sections a file may hold on its own: an entry with `>` names a heading path, one without
 * names a heading at any level; subsections of a declared section are declared too.
 */
export function applyAllowList(doc: InstructionDocument, allowed: readonly string[]): void {
  if (allowed.length === 0) return;
  const entries = allowed.map((entry) => ({ key: keyOf(entry), path: entry.includes('>') }));
  const matches = (section: Section) => {
    const base = section.key.replace(/ #\d+$/, '');
    const parts = base.split(' > ');
    return entries.some((entry) => {
      if (entry.path) return base === entry.key || base.startsWith(`${entry.key} > `);
      return parts.includes(entry.key);
    });
  };
  for (const section of doc.sections) if (section.depth > 0 && matches(section)) section.local = true;
}

/** The lines of a section with the file's local regions left out (what another file may receive). */
export function sharedLines(doc: InstructionDocument, section: Section): string[] {
  const out: string[] = [];
  for (let line = section.startLine; line <= section.endLine; line += 1) {
    if (section.localRegions.some((region) => line >= region.startLine && line <= region.endLine)) continue;
    out.push(doc.lines[line - 1] ?? '');
  }
  while (out.length > 1 && (out[out.length - 1] ?? '').trim() === '') out.pop();
  return out;
}
