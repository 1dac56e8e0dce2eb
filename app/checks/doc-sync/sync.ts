import { applyLineEdits } from '../../fix/lines.js';
import { applyAllowList, parseDocument, sharedLines, type InstructionDocument, type LineRange, type Section } from './document.js';
import { sameContent } from './drift.js';
import { matchSections, type SectionMatch } from './match.js';

/** Replace lines [startLine, endLine] of the target with `replacement` (which keeps those lines when inserting). */
export interface SectionEdit {
  kind: 'replace' | 'insert' | 'remove';
  startLine: number;
  endLine: number;
  replacement: string;
}

const DEFINITION = /^ {0,3}\[([^\]]+)\]:\s*(\S+)/;

/**
 * Copied lines without the link reference definitions the target already has elsewhere (outside
 * `replacing`): definitions usually sit at the end of a file, in whichever section comes last.
 */
function withoutKnownDefinitions(copied: string[], target: InstructionDocument, replacing?: LineRange): string[] {
  const known = new Set<string>();
  target.lines.forEach((line, index) => {
    if (replacing && index + 1 >= replacing.startLine && index + 1 <= replacing.endLine) return;
    const match = DEFINITION.exec(line);
    if (match) known.add(`${(match[1] ?? '').toLowerCase()} ${match[2]}`);
  });
  if (known.size === 0) return copied;
  const kept = copied.filter((line) => {
    const match = DEFINITION.exec(line);
    return !match || !known.has(`${(match[1] ?? '').toLowerCase()} ${match[2]}`);
  });
  while (kept.length > 1 && (kept[kept.length - 1] ?? '').trim() === '') kept.pop();
  return kept;
}

function linesOf(doc: InstructionDocument, range: LineRange): string[] {
  return doc.lines.slice(range.startLine - 1, range.endLine);
}

/**
 * The source's version of a section in place of the target's, keeping the target's local regions
 * byte for byte: a region at the top of the section (frontmatter, a note under the heading is not)
 * stays at the top, the others follow the copied text.
 */
function replacementFor(source: InstructionDocument, section: Section, target: InstructionDocument, old: Section): string[] {
  const copied = withoutKnownDefinitions(sharedLines(source, section), target, old);
  const before: string[] = [];
  const after: string[] = [];
  for (const region of old.localRegions) {
    const leading = target.lines.slice(old.startLine - 1, region.startLine - 1).every((line) => line.trim() === '');
    (leading ? before : after).push(...linesOf(target, region), '');
  }
  if (after.length > 0) after.pop();
  return [...before, ...copied, ...(after.length > 0 ? ['', ...after] : [])];
}

/**
 * The edit that brings one section of `target` in line with `source`: replaces the target's version,
 * or inserts the section where the source's order puts it (after the previous shared section's
 * subsection tree, else before the next one, else at the end).
 */
export function sectionEdit(
  source: InstructionDocument,
  section: Section,
  target: InstructionDocument,
  match: SectionMatch = matchSections(source, target),
): SectionEdit {
  const partner = match.pairs.find((pair) => pair.left === section)?.right;
  if (partner) {
    return { kind: 'replace', startLine: partner.startLine, endLine: partner.endLine, replacement: replacementFor(source, section, target, partner).join('\n') };
  }
  const copied = withoutKnownDefinitions(sharedLines(source, section), target);
  const order = source.sections.filter((candidate) => !candidate.local);
  const at = order.indexOf(section);
  const partnerOf = (candidate: Section | undefined) => match.pairs.find((pair) => pair.left === candidate)?.right;
  for (let k = at - 1; k >= 0; k -= 1) {
    const previous = partnerOf(order[k]);
    if (!previous) continue;
    // Deeper sections after the previous one belong to its subtree: the new section goes after them.
    let last = previous;
    for (const next of target.sections.slice(previous.index + 1)) {
      if (next.depth <= section.depth && next.depth > 0) break;
      last = next;
    }
    const line = last.endLine;
    return { kind: 'insert', startLine: line, endLine: line, replacement: [target.lines[line - 1] ?? '', '', ...copied].join('\n') };
  }
  for (let k = at + 1; k < order.length; k += 1) {
    const next = partnerOf(order[k]);
    if (!next) continue;
    const line = next.startLine;
    return { kind: 'insert', startLine: line, endLine: line, replacement: [...copied, '', target.lines[line - 1] ?? ''].join('\n') };
  }
  const line = Math.max(1, target.lines.length);
  const existing = target.lines[line - 1] ?? '';
  return { kind: 'insert', startLine: line, endLine: line, replacement: (existing.trim() === '' && line === 1 ? copied : [existing, '', ...copied]).join('\n') };
}

/** The edit that removes a section (heading to the next heading) from the target. */
export function removalEdit(section: Section): SectionEdit {
  return { kind: 'remove', startLine: section.startLine, endLine: section.lastLine, replacement: '' };
}

export interface SyncResult {
  /** The target's new text; identical to the old one when nothing had to change. */
  text: string;
  replaced: string[];
  inserted: string[];
}

/**
 * Copies the source's shared sections (all, or those whose key is in `keys`) into the target,
 * one section at a time in source order; local sections and regions of the target stay as they are,
 * sections only the target has are kept.
 */
export function syncDocument(
  source: InstructionDocument,
  target: InstructionDocument,
  options: { keys?: ReadonlySet<string>; allow?: readonly string[] } = {},
): SyncResult {
  const result: SyncResult = { text: target.text, replaced: [], inserted: [] };
  let current = target;
  for (const section of source.sections) {
    if (section.local || (options.keys && !options.keys.has(section.key))) continue;
    const match = matchSections(source, current);
    const partner = match.pairs.find((pair) => pair.left === section)?.right;
    if (partner && sameContent(section, partner)) continue;
    if (!partner && current.sections.some((candidate) => candidate.local && candidate.key === section.key)) continue;
    if (!partner && section.depth === 0 && section.size === 0) continue;
    const edit = sectionEdit(source, section, current, match);
    const text = current.text === '' ? `${edit.replacement}\n` : applyLineEdits(current.text, [edit]);
    if (text === current.text) continue;
    (edit.kind === 'insert' ? result.inserted : result.replaced).push(section.title);
    current = parseDocument(target.path, text);
    applyAllowList(current, options.allow ?? []);
    result.text = text;
  }
  return result;
}
