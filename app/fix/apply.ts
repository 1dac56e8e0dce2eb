import { readFile, realpath, stat } from 'node:fs/promises';
import type { Finding } from '../checks/types.js';
import { applyLineEdits, editChangesNothing, rangeProblem, splitLines, type LineEdit, type LineText } from './lines.js';
import { normalizeFixPath, resolveInside } from './paths.js';
import { writeAtomically, type FileWrite } from './write.js';

export { FixWriteError } from './write.js';

/** One line-range replacement in one file. */
export interface PlannedEdit extends LineEdit {
  path: string;
}

/** A file a fix creates. */
export interface PlannedFile {
  path: string;
  content: string;
}

/**
 * Everything one finding changes. A finding is fixed whole or not at all: a statement moved to a
 * new migration must not be removed here unless the new file is written.
 */
export interface FixUnit {
  finding: Finding;
  edits: PlannedEdit[];
  files: PlannedFile[];
}

export interface FixConflict {
  finding: Finding;
  reason: string;
}

export interface FixPlan {
  /** Units that fit together, in the order of the findings. */
  units: FixUnit[];
  /** Findings with a fix that cannot be applied with the others. */
  conflicts: FixConflict[];
  /** Findings with neither a fix nor a suggestion. */
  unfixable: Finding[];
}

export interface AppliedFixes {
  fixed: Finding[];
  /** Files changed or created, repository-relative, sorted. */
  files: string[];
  /** The subset of `files` that did not exist before. */
  created: string[];
  conflicts: FixConflict[];
  unfixable: Finding[];
}

export function where(finding: Finding): string {
  const path = finding.path ?? '(no file)';
  const line = finding.startLine === undefined ? '' : `:${finding.startLine}`;
  return `${path}${line} ${finding.checkId}/${finding.ruleId}`;
}

function validRange(startLine: number, endLine: number): boolean {
  return Number.isInteger(startLine) && Number.isInteger(endLine) && startLine >= 1 && endLine >= startLine;
}

/**
 * The changes a finding asks for. An `edit` fix is the `--fix` form of the finding's suggestion (the
 * suggestion may span the whole statement where the fix touches one line of it), so the suggestion
 * is used only when there is no edit fix.
 */
function unitOf(finding: Finding): FixUnit | { problem: string } | null {
  const { fix, suggestion } = finding;
  if (!fix && suggestion === undefined) return null;
  const unit: FixUnit = { finding, edits: [], files: [] };
  if (fix?.kind === 'edit') {
    const path = normalizeFixPath(fix.path);
    if ('problem' in path) return path;
    if (!validRange(fix.startLine, fix.endLine)) return { problem: `the fix names an invalid line range ${fix.startLine}-${fix.endLine}` };
    unit.edits.push({ path: path.path, startLine: fix.startLine, endLine: fix.endLine, replacement: fix.replacement });
  } else if (suggestion !== undefined) {
    if (finding.path === undefined || finding.startLine === undefined) return { problem: 'the suggestion has no file or line' };
    const path = normalizeFixPath(finding.path);
    if ('problem' in path) return path;
    const endLine = finding.endLine ?? finding.startLine;
    if (!validRange(finding.startLine, endLine)) return { problem: `the suggestion names an invalid line range ${finding.startLine}-${endLine}` };
    unit.edits.push({ path: path.path, startLine: finding.startLine, endLine, replacement: suggestion });
  }
  if (fix?.kind === 'write-file') {
    const path = normalizeFixPath(fix.path);
    if ('problem' in path) return path;
    unit.files.push({ path: path.path, content: fix.content });
  }
  return unit;
}

const overlaps = (a: PlannedEdit, b: PlannedEdit) => a.path === b.path && a.startLine <= b.endLine && b.startLine <= a.endLine;
const sameEdit = (a: PlannedEdit, b: PlannedEdit) =>
  a.path === b.path && a.startLine === b.startLine && a.endLine === b.endLine && a.replacement === b.replacement;

interface Owned<T> {
  item: T;
  finding: Finding;
}

/** Why `unit` cannot join the accepted ones, or null when it fits. */
function clash(unit: FixUnit, edits: Owned<PlannedEdit>[], files: Owned<PlannedFile>[]): string | null {
  for (const edit of unit.edits) {
    // Two findings asking for the very same edit are both fixed by it.
    const other = edits.find((accepted) => overlaps(accepted.item, edit) && !sameEdit(accepted.item, edit));
    if (other) return `its edit of lines ${edit.startLine}-${edit.endLine} overlaps the fix for ${where(other.finding)}`;
    const created = files.find((accepted) => accepted.item.path === edit.path);
    if (created) return `it edits ${edit.path}, which the fix for ${where(created.finding)} creates`;
  }
  for (const file of unit.files) {
    const other = files.find((accepted) => accepted.item.path === file.path && accepted.item.content !== file.content);
    if (other) return `the fix for ${where(other.finding)} writes ${file.path} with other content`;
    const edited = edits.find((accepted) => accepted.item.path === file.path);
    if (edited) return `it creates ${file.path}, which the fix for ${where(edited.finding)} edits`;
  }
  const [first, ...rest] = unit.edits;
  if (first && rest.some((edit) => overlaps(first, edit))) return 'its own edits overlap';
  return null;
}

/** Sorts findings into fixes that can be applied together (the first wins an overlap), conflicts and the rest. */
export function planFixes(findings: readonly Finding[]): FixPlan {
  const plan: FixPlan = { units: [], conflicts: [], unfixable: [] };
  const edits: Owned<PlannedEdit>[] = [];
  const files: Owned<PlannedFile>[] = [];
  for (const finding of findings) {
    const unit = unitOf(finding);
    if (unit === null) {
      plan.unfixable.push(finding);
      continue;
    }
    if ('problem' in unit) {
      plan.conflicts.push({ finding, reason: unit.problem });
      continue;
    }
    const reason = clash(unit, edits, files);
    if (reason) {
      plan.conflicts.push({ finding, reason });
      continue;
    }
    plan.units.push(unit);
    edits.push(...unit.edits.map((item) => ({ item, finding })));
    files.push(...unit.files.map((item) => ({ item, finding })));
  }
  return plan;
}

interface TargetState {
  absolute: string;
  /** Null when the file does not exist. */
  text: string | null;
  lines: LineText | null;
}

async function readTarget(absolute: string): Promise<string | null> {
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw error;
  });
  if (!info) return null;
  if (!info.isFile()) throw new Error('is not a regular file');
  const bytes = await readFile(absolute);
  const text = bytes.toString('utf8');
  // Editing decoded text would silently rewrite bytes that are not UTF-8.
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new Error('is not UTF-8 text');
  return text;
}

/** Reads what the units touch; a unit whose target is missing, unreadable or outside the root is refused. */
async function loadTargets(root: string, units: FixUnit[], conflicts: FixConflict[]): Promise<{ units: FixUnit[]; targets: Map<string, TargetState> }> {
  const targets = new Map<string, TargetState>();
  const problems = new Map<string, string>();
  const paths = new Set(units.flatMap((unit) => [...unit.edits.map((edit) => edit.path), ...unit.files.map((file) => file.path)]));
  for (const path of paths) {
    const resolved = await resolveInside(root, path);
    if ('problem' in resolved) {
      problems.set(path, resolved.problem);
      continue;
    }
    try {
      const text = await readTarget(resolved.absolute);
      targets.set(path, { absolute: resolved.absolute, text, lines: text === null ? null : splitLines(text) });
    } catch (error) {
      problems.set(path, `${path} ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const kept: FixUnit[] = [];
  for (const unit of units) {
    const reason = unitProblem(unit, targets, problems);
    if (reason) conflicts.push({ finding: unit.finding, reason });
    else kept.push(unit);
  }
  return { units: kept, targets };
}

function unitProblem(unit: FixUnit, targets: Map<string, TargetState>, problems: Map<string, string>): string | null {
  let changes = false;
  for (const edit of unit.edits) {
    const problem = problems.get(edit.path);
    if (problem) return problem;
    const target = targets.get(edit.path);
    if (!target?.lines) return `${edit.path} does not exist`;
    const range = rangeProblem(edit, target.lines.lines.length);
    if (range) return `${edit.path}: ${range}`;
    if (!editChangesNothing(target.lines, edit)) changes = true;
  }
  for (const file of unit.files) {
    const problem = problems.get(file.path);
    if (problem) return problem;
    const existing = targets.get(file.path)?.text;
    if (existing !== null && existing !== undefined && existing !== file.content) return `${file.path} already exists with other content`;
    if (existing !== file.content) changes = true;
  }
  return changes ? null : 'its fix is already in place';
}

/**
 * Applies the plan under `repoDir`: every file's new content is computed first, then all are
 * written at once (see writeAtomically). Throws FixWriteError when writing fails; nothing is
 * changed then.
 */
export async function applyFixes(plan: FixPlan, repoDir: string): Promise<AppliedFixes> {
  const root = await realpath(repoDir);
  const conflicts = [...plan.conflicts];
  const { units, targets } = await loadTargets(root, plan.units, conflicts);

  const editsByPath = new Map<string, PlannedEdit[]>();
  const created = new Map<string, string>();
  for (const unit of units) {
    for (const edit of unit.edits) {
      const list = editsByPath.get(edit.path) ?? [];
      if (!list.some((other) => sameEdit(other, edit))) list.push(edit);
      editsByPath.set(edit.path, list);
    }
    for (const file of unit.files) {
      if (targets.get(file.path)?.text === null) created.set(file.path, file.content);
    }
  }

  const writes: FileWrite[] = [];
  for (const [path, edits] of editsByPath) {
    const target = targets.get(path);
    if (!target || target.text === null) continue;
    const content = applyLineEdits(target.text, edits);
    if (content !== target.text) writes.push({ path, absolute: target.absolute, content, previous: target.text });
  }
  for (const [path, content] of created) {
    const target = targets.get(path);
    if (target) writes.push({ path, absolute: target.absolute, content, previous: null });
  }
  writes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await writeAtomically(writes);

  return {
    fixed: units.map((unit) => unit.finding),
    files: writes.map((write) => write.path),
    created: writes.filter((write) => write.previous === null).map((write) => write.path),
    conflicts,
    unfixable: [...plan.unfixable],
  };
}
