import type { InstructionDocument, Section } from './document.js';
import { bagOverlap } from './word-diff.js';

export interface SectionMatch {
  /** Pairs of shared sections: `left` from the first file, `right` from the second. */
  pairs: Array<{ left: Section; right: Section; renamed: boolean }>;
  /** Shared sections only the first file has. */
  onlyLeft: Section[];
  /** Shared sections only the second file has. */
  onlyRight: Section[];
}

/** A renamed heading is matched when heading and content together score at least this. */
const RENAME_THRESHOLD = 0.6;
/** Past this many unmatched pairs, renames are not looked for (the files are unrelated anyway). */
const MAX_RENAME_CANDIDATES = 250_000;

/**
 * Matches the shared (non-local) sections of two files: by heading path first, then by their own
 * heading when the section moved under another parent, then by similar heading and content at the same depth, so a renamed heading is one changed section and
 * not a deleted plus an added one. A section either file declares local is left out on both sides.
 */
export function matchSections(left: InstructionDocument, right: InstructionDocument): SectionMatch {
  // A section one file declares its own is not expected in the other either.
  const leftLocal = new Set(left.sections.filter((section) => section.local).map((section) => section.key));
  const rightLocal = new Set(right.sections.filter((section) => section.local).map((section) => section.key));
  const leftShared = left.sections.filter((section) => !section.local && !rightLocal.has(section.key));
  const rightShared = right.sections.filter((section) => !section.local && !leftLocal.has(section.key));
  const rightByKey = new Map<string, Section>();
  for (const section of rightShared) rightByKey.set(section.key, section);

  const pairs: SectionMatch['pairs'] = [];
  const matchedRight = new Set<Section>();
  const unmatchedLeft: Section[] = [];
  for (const section of leftShared) {
    const partner = rightByKey.get(section.key);
    if (partner && !matchedRight.has(partner)) {
      pairs.push({ left: section, right: partner, renamed: false });
      matchedRight.add(partner);
    } else {
      unmatchedLeft.push(section);
    }
  }
  const renamed = new Set<Section>();
  // A section moved under another parent keeps its own heading: pair those whose heading is unique on both sides.
  const ownHeading = (section: Section) => `${section.depth}\0${section.key.replace(/ #\d+$/, '').split(' > ').pop() ?? ''}`;
  const leftByHeading = uniqueBy(unmatchedLeft.filter((section) => section.depth > 0), ownHeading);
  const rightByHeading = uniqueBy(rightShared.filter((section) => !matchedRight.has(section) && section.depth > 0), ownHeading);
  for (const [heading, section] of leftByHeading) {
    const partner = rightByHeading.get(heading);
    if (!partner) continue;
    renamed.add(section);
    matchedRight.add(partner);
    pairs.push({ left: section, right: partner, renamed: false });
  }
  const stillLeft = unmatchedLeft.filter((section) => !renamed.has(section));
  const unmatchedRight = rightShared.filter((section) => !matchedRight.has(section));

  if (stillLeft.length > 0 && unmatchedRight.length > 0 && stillLeft.length * unmatchedRight.length <= MAX_RENAME_CANDIDATES) {
    const candidates: Array<{ left: Section; right: Section; score: number }> = [];
    for (const a of stillLeft) {
      if (a.depth === 0) continue;
      for (const b of unmatchedRight) {
        if (b.depth !== a.depth) continue;
        const score = renameScore(a, b);
        if (score >= RENAME_THRESHOLD) candidates.push({ left: a, right: b, score });
      }
    }
    candidates.sort((x, y) => y.score - x.score || x.left.index - y.left.index || x.right.index - y.right.index);
    for (const candidate of candidates) {
      if (renamed.has(candidate.left) || matchedRight.has(candidate.right)) continue;
      renamed.add(candidate.left);
      matchedRight.add(candidate.right);
      pairs.push({ left: candidate.left, right: candidate.right, renamed: true });
    }
  }
  pairs.sort((x, y) => x.left.index - y.left.index);
  return {
    pairs,
    onlyLeft: unmatchedLeft.filter((section) => !renamed.has(section)),
    onlyRight: rightShared.filter((section) => !matchedRight.has(section)),
  };
}

function headingWords(section: Section): string[] {
  return (section.path[section.path.length - 1] ?? '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => word !== '');
}

/** Content similarity (shared characters over all) weighted over heading similarity (shared words) and a shared parent. */
function renameScore(a: Section, b: Section): number {
  const contentA = a.tokens.slice(a.headingTokens);
  const contentB = b.tokens.slice(b.headingTokens);
  const sizeA = contentA.reduce((sum, word) => sum + word.length + 1, 0);
  const sizeB = contentB.reduce((sum, word) => sum + word.length + 1, 0);
  const content = sizeA + sizeB === 0 ? 0 : (2 * bagOverlap(contentA, contentB)) / (sizeA + sizeB);
  const wordsA = new Set(headingWords(a));
  const wordsB = new Set(headingWords(b));
  const union = new Set([...wordsA, ...wordsB]).size;
  const heading = union === 0 ? 0 : [...wordsA].filter((word) => wordsB.has(word)).length / union;
  const parentA = a.key.split(' > ').slice(0, -1).join(' > ');
  const parentB = b.key.split(' > ').slice(0, -1).join(' > ');
  return 0.6 * content + 0.25 * heading + 0.15 * (parentA === parentB ? 1 : 0);
}

/** Items by key, leaving out keys that more than one item has. */
function uniqueBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T> {
  const found = new Map<string, T>();
  const repeated = new Set<string>();
  for (const item of items) {
    const key = keyOf(item);
    if (found.has(key)) repeated.add(key);
    else found.set(key, item);
  }
  for (const key of repeated) found.delete(key);
  return found;
}
