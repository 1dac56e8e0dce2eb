import type { InstructionDocument, Section } from './document.js';
import { matchSections } from './match.js';
import { wordDiff, type WordDiff } from './word-diff.js';

/** How one shared section of a file differs from the canonical file. */
export interface SectionDrift {
  title: string;
  /** `changed`: both have it, with other content (or another heading); `missing`: only the canonical file has it; `unique`: only this file has it. */
  status: 'changed' | 'missing' | 'unique';
  /** Normalised characters that count as drift. */
  cost: number;
  canonical?: Section;
  other?: Section;
  diff?: WordDiff;
}

export interface FileDrift {
  path: string;
  canonical: string;
  /** 0 = in sync, 1 = nothing in common. */
  score: number;
  /** Canonical characters missing from this file or different in it. */
  missingOrDifferent: number;
  /** Characters only this file has. */
  unique: number;
  /** Canonical characters plus `unique`: what the score divides by. */
  total: number;
  sections: SectionDrift[];
}

/**
 * The drift score of `other` against `canonical`: the canonical content (normalised characters of
 * the shared sections) that is missing or different in `other`, plus the content only `other` has,
 * over the canonical total plus that unique content. Local sections and regions count on neither
 * side, and the order of sections does not matter.
 */
export function fileDrift(canonical: InstructionDocument, other: InstructionDocument): FileDrift {
  const match = matchSections(canonical, other);
  const sections: SectionDrift[] = [];
  let missingOrDifferent = 0;
  let unique = 0;
  for (const pair of match.pairs) {
    const diff = wordDiff(pair.left.tokens, pair.right.tokens);
    const lost = pair.left.size - diff.common;
    const added = pair.right.size - diff.common;
    missingOrDifferent += lost;
    unique += added;
    if (lost + added > 0) sections.push({ title: pair.left.title, status: 'changed', cost: lost + added, canonical: pair.left, other: pair.right, diff });
  }
  for (const section of match.onlyLeft) {
    missingOrDifferent += section.size;
    if (section.size > 0) sections.push({ title: section.title, status: 'missing', cost: section.size, canonical: section });
  }
  for (const section of match.onlyRight) {
    unique += section.size;
    if (section.size > 0) sections.push({ title: section.title, status: 'unique', cost: section.size, other: section });
  }
  const canonicalTotal = [...match.pairs.map((pair) => pair.left), ...match.onlyLeft].reduce((sum, section) => sum + section.size, 0);
  const total = canonicalTotal + unique;
  return {
    path: other.path,
    canonical: canonical.path,
    score: total === 0 ? 0 : (missingOrDifferent + unique) / total,
    missingOrDifferent,
    unique,
    total,
    sections: sections.sort((a, b) => b.cost - a.cost),
  };
}

/** One shared section across the files: each file's version, or undefined where it lacks the section. */
export interface SectionGroup {
  title: string;
  members: Map<string, Section | undefined>;
}

/**
 * The shared sections of all files, matched to the canonical file's (by heading path, then renames);
 * sections the canonical file lacks are grouped by heading path. Canonical order first, then the rest.
 */
export function sectionGroups(canonical: InstructionDocument, others: readonly InstructionDocument[]): SectionGroup[] {
  const groups: SectionGroup[] = [];
  const byCanonical = new Map<Section, SectionGroup>();
  for (const section of canonical.sections) {
    if (section.local) continue;
    const group: SectionGroup = { title: section.title, members: new Map([[canonical.path, section]]) };
    for (const other of others) group.members.set(other.path, undefined);
    byCanonical.set(section, group);
    groups.push(group);
  }
  const extras = new Map<string, SectionGroup>();
  for (const other of others) {
    const match = matchSections(canonical, other);
    for (const pair of match.pairs) byCanonical.get(pair.left)?.members.set(other.path, pair.right);
    for (const section of match.onlyRight) {
      let group = extras.get(section.key);
      if (!group) {
        group = { title: section.title, members: new Map([[canonical.path, undefined]]) };
        for (const doc of others) group.members.set(doc.path, undefined);
        extras.set(section.key, group);
      }
      if (group.members.get(other.path) === undefined) group.members.set(other.path, section);
    }
  }
  return [...groups, ...extras.values()];
}

/** Whether two versions of a section say the same (normalised). */
export function sameContent(a: Section | undefined, b: Section | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.tokens.length !== b.tokens.length) return false;
  return a.tokens.every((token, index) => token === b.tokens[index]);
}
