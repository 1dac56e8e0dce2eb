import type { ChangedFile, Finding } from '../types.js';
import type { InstructionDocument, Section } from './document.js';
import { sameContent, sectionGroups, type SectionGroup } from './drift.js';
import { sectionDriftFinding } from './rules/section-drift.js';
import { removalEdit, sectionEdit } from './sync.js';
import { formatWordDiff, wordDiff } from './word-diff.js';

/** What the change did to the instruction files: which lines it touched, and each changed file's base version. */
export interface ChangeInfo {
  changed: ReadonlyMap<string, ChangedFile>;
  /** Base versions of changed files, where they were needed (no hunks, or lines deleted). */
  base: ReadonlyMap<string, InstructionDocument>;
}

/** Whether this change edited the section: its lines overlap a hunk, or (without hunks) it differs from the base version. */
export function sectionTouched(doc: InstructionDocument, section: Section, change: ChangeInfo): boolean {
  const file = change.changed.get(doc.path);
  if (!file) return false;
  if (file.status === 'added') return true;
  if (file.hunks) {
    return file.hunks.some((hunk) =>
      hunk.headLines > 0
        ? hunk.headStart <= section.lastLine && hunk.headStart + hunk.headLines - 1 >= section.startLine
        : hunk.headStart >= section.startLine && hunk.headStart <= section.endLine,
    );
  }
  const base = change.base.get(doc.path);
  const before = base?.sections.find((candidate) => candidate.key === section.key);
  return !sameContent(before, section);
}

/** Whether this change removed the section (by its heading path) from the file. */
function sectionRemoved(doc: InstructionDocument, keys: ReadonlySet<string>, change: ChangeInfo): boolean {
  const base = change.base.get(doc.path);
  if (!base || !change.changed.has(doc.path)) return false;
  return base.sections.some((section) => !section.local && keys.has(section.key)) && !doc.sections.some((section) => keys.has(section.key));
}

/**
 * One finding per file whose copy of a shared section differs from the reference copy. The reference
 * is the version this change edited (when every file that edited it agrees), else the canonical
 * file's, else the first file holding the section.
 */
export function sectionDriftFindings(
  canonical: InstructionDocument,
  others: readonly InstructionDocument[],
  change: ChangeInfo,
  /** Where edits for a document go (a file read through a symlink is edited at its target). */
  editPath: (doc: InstructionDocument) => string,
): Finding[] {
  const docs = [canonical, ...others];
  const findings: Finding[] = [];
  for (const group of sectionGroups(canonical, others)) {
    const versions = docs.map((doc) => ({ doc, section: group.members.get(doc.path) }));
    const present = versions.filter((version): version is { doc: InstructionDocument; section: Section } => version.section !== undefined);
    const first = present[0];
    if (!first) continue;
    if (versions.every((version) => version.section && sameContent(version.section, first.section))) continue;

    const keys = new Set(present.map((version) => version.section.key));
    const editors = versions.filter((version) =>
      version.section ? sectionTouched(version.doc, version.section, change) : sectionRemoved(version.doc, keys, change),
    );
    const reference =
      editors.find((version) => version.doc === canonical) ?? editors[0] ?? versions.find((version) => version.doc === canonical && version.section) ?? first;
    const conflicting = editors
      .filter((version) => version !== reference && !sameContent(version.section, reference.section))
      .map((version) => version.doc.path);

    for (const version of versions) {
      if (version === reference || sameContent(version.section, reference.section)) continue;
      findings.push(driftFinding(group, reference, version, editors.length > 0, conflicting.filter((path) => path !== version.doc.path), editPath));
    }
  }
  return findings;
}

function driftFinding(
  group: SectionGroup,
  reference: { doc: InstructionDocument; section: Section | undefined },
  target: { doc: InstructionDocument; section: Section | undefined },
  introduced: boolean,
  conflicting: string[],
  editPath: (doc: InstructionDocument) => string,
): Finding {
  const common = { introduced, title: reference.section?.title ?? target.section?.title ?? group.title, source: reference.doc.path, target: editPath(target.doc), conflicting };
  if (!reference.section) {
    const edit = removalEdit(target.section as Section);
    return sectionDriftFinding({ ...common, change: 'remove', diff: '', startLine: edit.startLine, endLine: edit.endLine, replacement: '' });
  }
  const edit = sectionEdit(reference.doc, reference.section, target.doc);
  const diff = target.section ? formatWordDiff(wordDiff(target.section.tokens, reference.section.tokens)) : '';
  return sectionDriftFinding({ ...common, change: edit.kind, diff, startLine: edit.startLine, endLine: edit.endLine, replacement: edit.replacement });
}
