import { lstat, readFile, readlink, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { driftReport, overThreshold, type DriftReport } from '../checks/doc-sync/analyze.js';
import { keyOf, parseDocument, type InstructionDocument, type Section } from '../checks/doc-sync/document.js';
import { sameContent } from '../checks/doc-sync/drift.js';
import { loadInstructionFiles, type InstructionFile, type SourceRead } from '../checks/doc-sync/files.js';
import { matchSections } from '../checks/doc-sync/match.js';
import { docSyncOptionsSchema, type DocSyncOptions } from '../checks/doc-sync/options.js';
import { percent } from '../checks/doc-sync/rule.js';
import { syncDocument } from '../checks/doc-sync/sync.js';
import { formatWordDiff, wordDiff } from '../checks/doc-sync/word-diff.js';
import { MAX_READ_BYTES } from '../checks/types.js';
import { CONFIG_PATH, loadConfigFile } from '../config/load.js';
import { defaultConfig, type PlatformKitConfig } from '../config/schema.js';
import { resolveInside } from '../fix/paths.js';
import { writeAtomically, type FileWrite } from '../fix/write.js';
import { ChangeSetError, repositoryRoot } from '../git/local-changeset.js';
import { UsageError } from '../git/run-local-checks.js';
import { isSafeRelativePath, resolveInside as resolveReadInside, UnsafePathError } from '../util/safe-path.js';

export const DOCS_USAGE = `Usage:
  platform-kit docs drift [--format text|json] [--repo DIR] [--config FILE]
      the drift score of each agent instruction file against the canonical one
  platform-kit docs sync [--from FILE] [--to FILE,FILE] [--sections "A,B > C"] [--dry-run] [--repo DIR] [--config FILE]
      copy shared sections from one instruction file into others; local sections stay as they are

sync options:
  --from FILE       the file to copy from (default: the canonical file)
  --to A,B          the files to update (default: every other instruction file present)
  --sections LIST   heading paths, comma-separated ("Testing > Running tests"); a path may leave out
                    its top levels ("Running tests"). Default: every shared section; on a terminal
                    (and not in CI) you are asked which drifted sections to copy
  --dry-run         print what would change, write nothing

Exit codes: drift 0 when every file is within the threshold, 1 when one is over; 2 usage or config error.
`;

export interface DocsIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** Asks one question on the terminal; absent when there is no one to ask. */
export type Prompt = (question: string) => Promise<string>;

const COMMON = {
  repo: { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const DRIFT_OPTIONS = { ...COMMON, format: { type: 'string' } } as const satisfies ParseArgsConfig['options'];
const SYNC_OPTIONS = {
  ...COMMON,
  from: { type: 'string' },
  to: { type: 'string' },
  sections: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

function parse<T extends ParseArgsConfig['options']>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (error) {
    const first = (error as Error).message.split('\n')[0] ?? 'invalid arguments';
    throw new UsageError(`${first.replace(/\.$/, '')} (see platform-kit docs --help)`);
  }
}

/** A prompt on the terminal, or none: never in CI, never without a TTY on both ends. */
export function terminalPrompt(env: Record<string, string | undefined>): Prompt | undefined {
  if (env['CI'] || !process.stdin.isTTY || !process.stdout.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  };
}

/** `platform-kit docs ...` */
export async function runDocsCommand(args: string[], io: DocsIo, prompt: Prompt | undefined = terminalPrompt(io.env)): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    (sub === undefined ? io.stderr : io.stdout)(DOCS_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'drift') return driftCommand(rest, io);
  if (sub === 'sync') return syncCommand(rest, io, prompt);
  throw new UsageError(`unknown command "docs ${sub}" (docs commands: drift, sync)`);
}

interface Workspace {
  root: string;
  options: DocSyncOptions;
  files: InstructionFile[];
}

async function openWorkspace(values: { repo?: string; config?: string }, io: DocsIo): Promise<Workspace> {
  const dir = resolve(io.cwd, values.repo ?? '.');
  let root: string;
  try {
    root = await realpath(await repositoryRoot(dir));
  } catch (error) {
    // Outside a git checkout the folder itself is the root.
    if (!(error instanceof ChangeSetError)) throw error;
    root = await realpath(dir).catch(() => {
      throw new UsageError(`${dir} is not a directory`);
    });
  }
  const options = await readOptions(root, values.config, io.cwd);
  const files = await loadInstructionFiles(options, (path) => readWorkingFile(root, path));
  return { root, options, files };
}

async function readOptions(root: string, configFile: string | undefined, cwd: string): Promise<DocSyncOptions> {
  const absolute = configFile !== undefined ? resolve(cwd, configFile) : join(root, CONFIG_PATH);
  let config: PlatformKitConfig = defaultConfig;
  let text: string | undefined;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || configFile !== undefined) throw new UsageError(`cannot read config file ${configFile ?? CONFIG_PATH}: ${code ?? (error as Error).message}`);
  }
  if (text !== undefined) {
    const loaded = loadConfigFile(text, configFile ?? CONFIG_PATH);
    if (!loaded.ok) {
      const first = loaded.errors[0];
      const where = [first?.file, first?.line, first?.column].filter((part) => part !== undefined).join(':');
      throw new UsageError(`${where}: ${first?.message ?? 'invalid config'}`);
    }
    config = loaded.config;
  }
  const { enabled: _enabled, paths: _paths, rules: _rules, ...options } = config.checks['doc-sync'];
  return docSyncOptionsSchema.parse(options);
}

/** A working-tree file as the check would see it, symlinks included. */
async function readWorkingFile(root: string, path: string): Promise<SourceRead> {
  let absolute: string;
  try {
    // The link at the path itself is reported as a link; folders on the way must stay inside.
    absolute = await resolveReadInside(root, path, { followLast: false });
  } catch (error) {
    if (!(error instanceof UnsafePathError)) throw error;
    // A clean path refused only for a linked folder on the way: a link that leaves the repository.
    return isSafeRelativePath(path) ? { kind: 'symlink', target: null } : { kind: 'missing' };
  }
  const info = await lstat(absolute).catch(() => null);
  if (!info) return { kind: 'missing' };
  if (info.isSymbolicLink()) return { kind: 'symlink', target: await readlink(absolute) };
  if (!info.isFile()) return { kind: 'missing' };
  if (info.size > MAX_READ_BYTES) return { kind: 'too-large', size: info.size };
  const bytes = await readFile(absolute);
  if (bytes.subarray(0, 8000).includes(0)) return { kind: 'binary', size: bytes.byteLength };
  return { kind: 'text', text: bytes.toString('utf8') };
}

async function driftCommand(args: string[], io: DocsIo): Promise<number> {
  const { values } = parse(args, DRIFT_OPTIONS);
  if (values.help) {
    io.stdout(DOCS_USAGE);
    return 0;
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be one of text, json (got "${format}")`);
  const workspace = await openWorkspace(values, io);
  const report = driftReport(workspace.files, workspace.options);
  io.stdout(format === 'json' ? `${JSON.stringify(driftJson(report), null, 2)}\n` : driftText(report));
  return report.rows.some((row) => overThreshold(row, report.threshold)) ? 1 : 0;
}

function driftJson(report: DriftReport) {
  return {
    canonical: report.canonical?.path ?? null,
    threshold: report.threshold,
    files: report.rows.map((row) => ({
      path: row.path,
      status: row.status,
      // Percent with two decimals, as the table shows it.
      drift: row.score === null ? null : Math.round(row.score * 10000) / 100,
      overThreshold: overThreshold(row, report.threshold),
      ...(row.note !== undefined ? { note: row.note } : {}),
      sections: (row.drift?.sections ?? []).map((section) => ({ title: section.title, status: section.status, characters: section.cost })),
    })),
  };
}

function driftText(report: DriftReport): string {
  if (!report.canonical) return 'No agent instruction file found.\n';
  const width = Math.max(4, ...report.rows.map((row) => row.path.length));
  const lines = [`Drift against ${report.canonical.path} (threshold ${report.threshold}%):`, ''];
  for (const row of report.rows) {
    const score = row.status === 'canonical' ? 'canonical' : row.score === null ? '-' : percent(row.score);
    const flag = overThreshold(row, report.threshold) ? '  over threshold' : '';
    const note = row.note ? `  ${row.note}` : '';
    lines.push(`  ${row.path.padEnd(width)}  ${score.padStart(9)}${flag}${note}`);
    for (const section of (row.drift?.sections ?? []).slice(0, 5)) lines.push(`  ${''.padEnd(width)}  ${''.padStart(9)}  ${section.status}: ${section.title}`);
  }
  return `${lines.join('\n')}\n`;
}

function listValue(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}

/** Resolves `--sections` entries to section keys of the source: a full heading path, or its last levels. */
function selectSections(source: InstructionDocument, wanted: readonly string[]): Set<string> {
  const shared = source.sections.filter((section) => !section.local);
  const keys = new Set<string>();
  for (const entry of wanted) {
    const key = keyOf(entry);
    const exact = shared.filter((section) => section.key === key);
    const found = exact.length > 0 ? exact : shared.filter((section) => section.key.endsWith(` > ${key}`));
    if (found.length === 0) {
      throw new UsageError(`${source.path} has no shared section "${entry}" (sections: ${shared.map((section) => `"${section.title}"`).join(', ')})`);
    }
    if (found.length > 1) throw new UsageError(`"${entry}" names several sections of ${source.path}: ${found.map((section) => `"${section.title}"`).join(', ')}; give the full heading path`);
    for (const section of found) keys.add(section.key);
  }
  return keys;
}

/** The source's sections that differ in, or are missing from, at least one target. */
function driftedSections(source: InstructionDocument, targets: readonly InstructionDocument[]): Section[] {
  const drifted = new Set<Section>();
  for (const target of targets) {
    const match = matchSections(source, target);
    for (const pair of match.pairs) if (!sameContent(pair.left, pair.right)) drifted.add(pair.left);
    for (const section of match.onlyLeft) if (section.size > 0) drifted.add(section);
  }
  return source.sections.filter((section) => drifted.has(section));
}

async function askSections(prompt: Prompt, drifted: readonly Section[], io: DocsIo): Promise<Set<string>> {
  io.stdout(`Sections that differ:\n${drifted.map((section, i) => `  ${i + 1}. ${section.title}`).join('\n')}\n`);
  const answer = (await prompt('Copy which? (all, none, or numbers such as 1,3) [all] ')).trim().toLowerCase();
  if (answer === '' || answer === 'all' || answer === 'a') return new Set(drifted.map((section) => section.key));
  if (answer === 'none' || answer === 'n') return new Set();
  const keys = new Set<string>();
  for (const part of answer.split(/[\s,]+/).filter((item) => item !== '')) {
    const index = Number(part);
    const section = Number.isInteger(index) ? drifted[index - 1] : undefined;
    if (!section) throw new UsageError(`"${part}" is not one of the numbers 1-${drifted.length}`);
    keys.add(section.key);
  }
  return keys;
}

async function syncCommand(args: string[], io: DocsIo, prompt: Prompt | undefined): Promise<number> {
  const { values } = parse(args, SYNC_OPTIONS);
  if (values.help) {
    io.stdout(DOCS_USAGE);
    return 0;
  }
  const workspace = await openWorkspace(values, io);
  const { files, options, root } = workspace;
  const report = driftReport(files, options);
  const sourcePath = values.from ?? report.canonical?.path;
  if (sourcePath === undefined) throw new UsageError('no agent instruction file found to copy from; pass --from');
  const sourceFile = files.find((file) => file.path === sourcePath);
  if (!sourceFile) throw new UsageError(`--from ${sourcePath} is not one of the instruction files present (${options.files.join(', ')}; configure \`files\` to add others)`);
  if (sourceFile.kind !== 'document') throw new UsageError(`--from ${sourcePath} ${describe(sourceFile)}`);
  const source = sourceFile.doc;

  const targetPaths =
    listValue(values.to) ?? files.filter((file) => file.kind === 'document' && file.path !== sourcePath && file.via === undefined).map((file) => file.path);
  const targets: Array<{ path: string; doc: InstructionDocument }> = [];
  const skipped: string[] = [];
  for (const path of targetPaths) {
    if (path === sourcePath) throw new UsageError(`--to names the source ${path}`);
    const file = files.find((candidate) => candidate.path === path);
    if (file?.kind === 'link') {
      skipped.push(`${path}: ${file.via === 'import' ? 'imports' : 'symlink to'} ${file.target}, already in sync`);
      continue;
    }
    if (file && (file.kind !== 'document' || file.via !== undefined)) throw new UsageError(`--to ${path} ${describe(file)}`);
    if (!file && !options.files.includes(path)) {
      throw new UsageError(`--to ${path} is not one of the configured instruction files (${options.files.join(', ')})`);
    }
    // A target that does not exist yet is created with the shared sections.
    targets.push({ path, doc: file?.kind === 'document' ? file.doc : parseDocument(path, '') });
  }

  let keys: Set<string> | undefined;
  const wanted = listValue(values.sections);
  if (wanted) keys = selectSections(source, wanted);
  else if (prompt) {
    const drifted = driftedSections(source, targets.map((target) => target.doc));
    if (drifted.length > 0) keys = await askSections(prompt, drifted, io);
  }

  const writes: FileWrite[] = [];
  const lines: string[] = [];
  for (const target of targets) {
    const result = syncDocument(source, target.doc, { ...(keys ? { keys } : {}), allow: options.allow[target.path] ?? [] });
    const exists = files.some((file) => file.path === target.path);
    if (result.text === target.doc.text && exists) {
      lines.push(`${target.path}: unchanged`);
      continue;
    }
    const parts = [
      ...(result.replaced.length > 0 ? [`updated ${result.replaced.map((title) => `"${title}"`).join(', ')}`] : []),
      ...(result.inserted.length > 0 ? [`added ${result.inserted.map((title) => `"${title}"`).join(', ')}`] : []),
    ];
    lines.push(`${target.path}: ${exists ? '' : 'created; '}${parts.join('; ')}`);
    if (values['dry-run']) lines.push(...previewLines(source, target.doc, keys));
    const place = await resolveInside(root, target.path);
    if ('problem' in place) throw new UsageError(place.problem);
    writes.push({ path: target.path, absolute: place.absolute, content: result.text, previous: exists ? target.doc.text : null });
  }
  if (!values['dry-run'] && writes.length > 0) await writeAtomically(writes);
  for (const note of skipped) lines.push(note);
  const verb = values['dry-run'] ? 'would change' : 'changed';
  io.stdout(`${lines.join('\n')}\n${writes.length} file${writes.length === 1 ? '' : 's'} ${verb}.\n`);
  return 0;
}

function previewLines(source: InstructionDocument, target: InstructionDocument, keys: ReadonlySet<string> | undefined): string[] {
  const match = matchSections(source, target);
  const out: string[] = [];
  for (const pair of match.pairs) {
    if (sameContent(pair.left, pair.right) || (keys && !keys.has(pair.left.key))) continue;
    out.push(`    ${pair.left.title}: ${formatWordDiff(wordDiff(pair.right.tokens, pair.left.tokens))}`);
  }
  return out;
}

function describe(file: InstructionFile): string {
  switch (file.kind) {
    case 'link':
      return `is a symlink to ${file.target}`;
    case 'outside-link':
      return `is a symlink leading outside the repository${file.target ? ` (${file.target})` : ''}`;
    case 'unreadable':
      return file.reason;
    case 'document':
      return file.via ? `is a symlink to ${file.via}; sync that file instead` : 'is a document';
  }
}
