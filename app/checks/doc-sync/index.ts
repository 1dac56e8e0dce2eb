import type { ChangedFile, ChangeSet, Check, CheckContext, CheckOutput, Finding, Side } from '../types.js';
import { driftReport, overThreshold, type DriftReport } from './analyze.js';
import { applyAllowList, parseDocument, type InstructionDocument } from './document.js';
import { loadInstructionFiles, unreadableReason, type InstructionFile, type SourceRead } from './files.js';
import { sectionDriftFindings } from './findings.js';
import type { DocSyncOptions } from './options.js';
import { CHECK_ID, percent } from './rule.js';
import { driftOverThreshold, driftOverThresholdFinding } from './rules/drift-over-threshold.js';
import { duplicateHeading, duplicateHeadingFinding } from './rules/duplicate-heading.js';
import { fileUnreadable, fileUnreadableFinding } from './rules/file-unreadable.js';
import { existingSectionDrift, sectionDrift } from './rules/section-drift.js';
import { sizeBudget, sizeBudgetFinding } from './rules/size-budget.js';
import { symlinkOutsideRepo, symlinkOutsideRepoFinding } from './rules/symlink-outside-repo.js';
import { unclosedLocalMarker, unclosedLocalMarkerFinding } from './rules/unclosed-local-marker.js';

export type { DocSyncOptions } from './options.js';
export { docSyncOptionsSchema } from './options.js';

/**
 * The key under which a driver may inject a {@link SymlinkReader} into `CheckContext.services`.
 * A ChangeSet carries file contents only; without a reader, symlinks are recognised from what the
 * drivers return for them (see {@link readInstructionFile}).
 */
export const SYMLINK_SERVICE = 'docSyncSymlinks';

export interface SymlinkReader {
  /** The link text when `path` is a symbolic link on that side, else null. */
  readLink(side: Side, path: string): Promise<string | null>;
}

/**
 * A blob holding nothing but a relative path (no line break, no spaces) is what git stores for a
 * symlink, and what the local change set returns for one; no instruction file reads like that.
 */
const LINK_TEXT = /^(?!@)(?:\.{1,2}\/|\/)?[^\s<>"|?*\n]+\.(?:md|mdc|txt|rules)$|^(?:\.{1,2}\/)*\.[\w-]+$/;

/**
 * Reads one instruction file from a change set. Symlinks: a SymlinkReader service when the driver
 * has one; else a blob that is only a path (git's symlink blob, as the local change set returns it);
 * else a file the tree lists but whose content cannot be read (GitHub's contents API follows links
 * inside the repository and answers a link leaving it as not a file).
 */
export async function readInstructionFile(
  changeSet: ChangeSet,
  side: Side,
  path: string,
  listed: ReadonlySet<string> | undefined,
  links: SymlinkReader | undefined,
): Promise<SourceRead> {
  if (links) {
    const target = await links.readLink(side, path);
    if (target !== null) return { kind: 'symlink', target };
  }
  if (listed && !listed.has(path)) return { kind: 'missing' };
  const read = await changeSet.readFile(side, path);
  if (read.kind === 'missing' && listed?.has(path)) return { kind: 'symlink', target: null };
  if (!links && read.kind === 'text' && read.text.length < 1024 && LINK_TEXT.test(read.text)) return { kind: 'symlink', target: read.text };
  return read;
}

function globOf(paths: readonly string[]): string {
  const escaped = paths.map((path) => path.replace(/[*?[\]{}()!,\\]/g, '\\$&'));
  return escaped.length === 1 ? (escaped[0] as string) : `{${escaped.join(',')}}`;
}

export const docSyncCheck: Check<DocSyncOptions> = {
  id: CHECK_ID,
  title: 'Doc sync',
  description:
    'Agent instruction files (AGENTS.md, CLAUDE.md, GEMINI.md, ...) keep their shared sections in sync: a drift score per file under a threshold, ' +
    'per-tool sections where declared, and suggestions that say which section to copy where.',
  rules: [sectionDrift, driftOverThreshold, existingSectionDrift, sizeBudget, duplicateHeading, unclosedLocalMarker, fileUnreadable, symlinkOutsideRepo],
  run: runDocSync,
};

async function runDocSync(ctx: CheckContext<DocSyncOptions>): Promise<CheckOutput> {
  const { changeSet, options } = ctx;
  const paths = options.files.filter((path) => ctx.inScope(path));
  const changed = new Map<string, ChangedFile>();
  for (const file of changeSet.files) {
    if (paths.includes(file.path) && file.status !== 'removed') changed.set(file.path, file);
  }
  const touched = changeSet.files.some((file) => paths.includes(file.path) || (file.previousPath !== undefined && paths.includes(file.previousPath)));
  // Most changes touch no instruction file: answer without listing or reading anything.
  if (!touched) return { findings: [], summary: 'No agent instruction file changed.' };

  const listed = new Set(await changeSet.listFiles('head', globOf(paths)));
  const links = ctx.services[SYMLINK_SERVICE] as SymlinkReader | undefined;
  const files = await loadInstructionFiles({ files: paths, allow: options.allow }, (path) =>
    readInstructionFile(changeSet, 'head', path, paths.includes(path) ? listed : undefined, links),
  );
  const findings: Finding[] = [...fileFindings(files, options)];
  const report = driftReport(files, options);
  if (report.canonical) {
    const base = await baseDocuments(changeSet, changed, options);
    const viaOf = new Map(files.flatMap((file) => (file.kind === 'document' && file.via ? [[file.doc, file.via] as const] : [])));
    findings.push(...sectionDriftFindings(report.canonical, report.others, { changed, base }, (doc) => viaOf.get(doc) ?? doc.path));
    for (const row of report.rows) {
      if (row.drift && overThreshold(row, options.threshold)) findings.push(driftOverThresholdFinding(row.drift, options.threshold));
    }
  }
  return { findings, summary: summarize(report, findings) };
}

function fileFindings(files: readonly InstructionFile[], options: DocSyncOptions): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    if (file.kind === 'unreadable') findings.push(fileUnreadableFinding(file.path, file.reason));
    if (file.kind === 'outside-link') findings.push(symlinkOutsideRepoFinding(file.path, file.target));
    if (file.kind !== 'document') continue;
    const path = file.via ?? file.path;
    for (const problem of file.doc.problems) {
      if (problem.kind === 'duplicate-heading') findings.push(duplicateHeadingFinding(path, problem.line, problem.title, problem.firstLine));
      else findings.push(unclosedLocalMarkerFinding(path, problem.line, problem.kind === 'unclosed-local-marker' ? 'unclosed' : 'stray'));
    }
    const budget = options.sizeBudgets[file.path];
    if (budget !== undefined && file.bytes > budget) findings.push(sizeBudgetFinding(file.path, file.bytes, budget, firstLineAfter(file.doc, budget)));
  }
  return findings;
}

/** The first line that starts past `budget` bytes. */
export function firstLineAfter(doc: InstructionDocument, budget: number): number {
  let bytes = doc.text.startsWith('\uFEFF') ? 3 : 0;
  const breakBytes = doc.text.includes('\r\n') ? 2 : 1;
  for (let index = 0; index < doc.lines.length; index += 1) {
    bytes += Buffer.byteLength(doc.lines[index] ?? '', 'utf8') + breakBytes;
    if (bytes > budget) return index + 1;
  }
  return doc.lines.length;
}

/** Base versions of the changed files that deleted lines or came without hunks: what removals and edits are told from. */
async function baseDocuments(changeSet: ChangeSet, changed: ReadonlyMap<string, ChangedFile>, options: DocSyncOptions): Promise<Map<string, InstructionDocument>> {
  const base = new Map<string, InstructionDocument>();
  for (const [path, file] of changed) {
    if (file.status === 'added' || (file.hunks && file.deletions === 0)) continue;
    const read = await changeSet.readFile('base', file.previousPath ?? path);
    if (read.kind !== 'text' || unreadableReason(read) !== null) continue;
    const doc = parseDocument(path, read.text);
    applyAllowList(doc, options.allow[path] ?? []);
    base.set(path, doc);
  }
  return base;
}

function summarize(report: DriftReport, findings: readonly Finding[]): string {
  if (!report.canonical) return 'No agent instruction file to compare.';
  const rows = report.rows
    .filter((row) => row.status !== 'canonical')
    .map((row) => `${row.path} ${row.score === null ? 'not compared' : percent(row.score)}${row.note && row.score !== null ? ` (${row.note})` : ''}`);
  const drifted = findings.filter((finding) => finding.ruleId === sectionDrift.id).length;
  const sentences = [
    rows.length > 0
      ? `Drift against ${report.canonical.path}: ${rows.join(', ')}; threshold ${report.threshold}%.`
      : `${report.canonical.path} is the only agent instruction file.`,
  ];
  if (drifted > 0) sentences.push(`${drifted} out-of-date cop${drifted === 1 ? 'y' : 'ies'} of sections this change edited.`);
  return sentences.join(' ');
}
