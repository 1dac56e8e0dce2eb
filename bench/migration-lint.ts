/**
 * Static migration linting, ours against squawk (the Rust binary from npm `squawk-cli`), over a
 * generated corpus of realistic Supabase migrations (bench/corpus/generate.ts, seeded), in one run:
 * wall times (medians of 3), a verdict, findings per file, and a parity report per squawk rule.
 *
 * Both linters get the same settings: Postgres 15, each file in a transaction (the Supabase CLI's
 * runner). squawk runs once over all files, as its users run it in CI, and its time includes its
 * process start (what they pay); ours is the whole lint in this process (read, parse, rules): the
 * first run (which loads the parser) on its own, then the runs right after it, then runs once V8
 * has compiled the rules.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureParser, parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import { migrationRules } from '../app/checks/schema-safety/rules/index.js';
import { lintMigrationFiles, RUNNER_RULES } from '../app/checks/schema-safety/static.js';
import type { Finding } from '../app/checks/types.js';
import { DEFAULT_CORPUS_FILES, writeCorpus } from './corpus/generate.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SQUAWK = join(ROOT, 'node_modules', '.bin', 'squawk');
/** `.bin/squawk` is a Node wrapper that spawns this binary; timing both shows what the wrapper costs. */
const SQUAWK_NATIVE = join(ROOT, 'node_modules', '@squawk-cli', `${process.platform}-${process.arch}`, 'bin', process.platform === 'win32' ? 'squawk.exe' : 'squawk');
const RUNS = 3;
/** Runs of ours between the two measured rounds: V8 has compiled the rules after about this many. */
const WARM_UP = 5;
const PG_VERSION = 15;

/** squawk's rule ids (2.x); ours use the same id where the meaning is the same. */
const SQUAWK_RULES = [
  'adding-field-with-default', 'adding-foreign-key-constraint', 'adding-not-nullable-field', 'adding-required-field',
  'adding-serial-primary-key-field', 'ban-alter-domain-with-add-constraint', 'ban-char-field',
  'ban-concurrent-index-creation-in-transaction', 'ban-create-domain-with-constraint', 'ban-drop-column',
  'ban-drop-database', 'ban-drop-not-null', 'ban-drop-table', 'ban-duplicate-column-assignments', 'ban-truncate-cascade',
  'ban-uncommitted-transaction', 'changing-column-type', 'constraint-missing-not-valid', 'disallowed-unique-constraint',
  'identifier-too-long', 'prefer-bigint-over-int', 'prefer-bigint-over-smallint', 'prefer-identity',
  'prefer-repack', 'prefer-robust-stmts', 'prefer-text-field', 'prefer-timestamp-tz', 'renaming-column', 'renaming-table',
  'require-concurrent-index-creation', 'require-concurrent-index-deletion', 'require-concurrent-partition-detach',
  'require-concurrent-reindex', 'require-enum-value-ordering', 'require-lock-timeout', 'require-statement-timeout',
  'require-table-schema', 'require-timeout-settings', 'transaction-nesting', 'syntax-error',
];

/** Our ids that mean the same as a squawk id spelled differently. */
const SQUAWK_ID_OF: Record<string, string> = { 'prefer-timestamptz': 'prefer-timestamp-tz' };

interface SquawkViolation {
  file: string;
  /** 0-based, like its column (squawk#373). */
  line: number;
  line_end?: number;
  column: number;
  level: string;
  message: string;
  rule_name: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Runs squawk once over every file; it exits 1 when it finds something, which is not a failure here. */
function runSquawk(cwd: string, args: string[], binary = SQUAWK): Promise<SquawkViolation[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new Error(`could not run ${binary}: ${error.message}`)));
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8').trim();
      if (code !== 0 && code !== 1) {
        reject(new Error(`squawk exited with ${code}: ${Buffer.concat(err).toString('utf8').trim() || stdout.slice(0, 500)}`));
        return;
      }
      try {
        resolve(stdout === '' ? [] : (JSON.parse(stdout) as SquawkViolation[]));
      } catch (error) {
        reject(new Error(`squawk printed something other than its JSON report: ${stdout.slice(0, 300)} (${String(error)})`));
      }
    });
  });
}

/** Statement spans per file, so a finding on any line of a statement counts for that statement. */
type StatementIndex = Map<string, Array<{ line: number; endLine: number }>>;

function statementKey(index: StatementIndex, file: string, line: number): string {
  const statements = index.get(file) ?? [];
  const at = statements.findIndex((statement) => statement.line <= line && line <= statement.endLine);
  return `${file}#${at >= 0 ? `s${at}` : `l${line}`}`;
}

function pad(text: string | number, width: number, right = false): string {
  const value = String(text);
  return right ? value.padStart(width) : value.padEnd(width);
}

function speed(ratio: number): string {
  return ratio >= 1 ? `${ratio.toFixed(2)}× faster` : `${(1 / ratio).toFixed(2)}× slower`;
}

function perFile(count: number, files: number): string {
  return (count / files).toFixed(2);
}

export async function benchMigrationLint(): Promise<string> {
  const dir = join(tmpdir(), 'platform-kit-bench-migrations');
  const paths = await writeCorpus(dir, { files: DEFAULT_CORPUS_FILES });
  const names = paths.map((path) => basename(path));
  const lines: string[] = [];

  const texts = paths.map((path) => readFileSync(path, 'utf8'));
  const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);

  // Ours: read every file and lint it, in process. The first run also loads the parser (WASM).
  // Each file is linted as its own change, as squawk sees it and as a PR adding one migration does:
  // tables from earlier files are existing tables, not ones "created in this change".
  const options = { pgVersion: PG_VERSION, inTransaction: true, exposedSchemas: ['public'] };
  // Files are read synchronously, as squawk reads them: a promise per small file costs more than the read.
  const lintOurs = async (): Promise<Finding[]> => {
    const files = names.map((name) => ({ path: name, text: readFileSync(join(dir, name), 'utf8') }));
    const findings: Finding[] = [];
    for (const file of files) findings.push(...(await lintMigrationFiles([file], options)));
    return findings;
  };
  const squawkArgs = ['--reporter', 'json', `--pg-version=${PG_VERSION}`, '--assume-in-transaction', ...names];
  const hasNative = existsSync(SQUAWK_NATIVE);
  const coldStart = performance.now();
  await ensureParser();
  const cold = await lintOurs();
  const coldMs = performance.now() - coldStart;

  // Ours and squawk take turns, so a busy machine slows both alike. Right after the cold run V8 is
  // still compiling the rules (on the other core); after WARM_UP more runs it is done, as in the App.
  const early = { ours: [] as number[], squawk: [] as number[], native: [] as number[] };
  const warm = { ours: [] as number[], squawk: [] as number[], native: [] as number[] };
  let oursResult: Finding[] = [];
  let squawkResult: SquawkViolation[] = [];
  const round = async (into: typeof early): Promise<void> => {
    let started = performance.now();
    oursResult = await lintOurs();
    into.ours.push(performance.now() - started);
    started = performance.now();
    squawkResult = await runSquawk(dir, squawkArgs);
    into.squawk.push(performance.now() - started);
    if (hasNative) {
      started = performance.now();
      await runSquawk(dir, squawkArgs, SQUAWK_NATIVE);
      into.native.push(performance.now() - started);
    }
  };
  for (let i = 0; i < RUNS; i++) await round(early);
  for (let i = 0; i < WARM_UP; i++) await lintOurs();
  for (let i = 0; i < RUNS; i++) await round(warm);
  const squawkDefaults = await runSquawk(dir, ['--reporter', 'json', ...names]);

  const statementCount = new Map<string, number>();
  const index: StatementIndex = new Map();
  for (const [i, name] of names.entries()) {
    const parsed = parseMigration(name, texts[i] ?? '');
    index.set(name, parsed.statements.map((statement) => ({ line: statement.line, endLine: statement.endLine })));
    statementCount.set(name, parsed.statements.length);
  }
  const statements = [...statementCount.values()].reduce((sum, n) => sum + n, 0);

  lines.push(`corpus: ${names.length} generated Supabase migrations, ${statements.toLocaleString('en-US')} statements, ${(bytes / 1024).toFixed(0)} KiB (${dir})`);
  lines.push(`settings: Postgres ${PG_VERSION}, each file in a transaction (squawk --assume-in-transaction)`);
  lines.push('');
  const perFileUs = (ms: number): string => `${((ms * 1000) / names.length).toFixed(0)} µs a file, ${Math.round((names.length * 1000) / ms).toLocaleString('en-US')} files/s`;
  const row = (label: string, times: number[], what: string): string =>
    `${pad(label, 8)}${pad(median(times).toFixed(1), 8, true)} ms  median of ${times.length} (${times.map((ms) => ms.toFixed(0)).join(', ')}), ${what}, ${perFileUs(median(times))}`;
  const verdict = (phase: typeof early): string => {
    const ours = median(phase.ours);
    const squawk = median(phase.squawk);
    const native = hasNative ? ` (vs its native binary ${median(phase.native).toFixed(0)} ms: ${speed(median(phase.native) / ours)})` : '';
    return `ours ${ours.toFixed(0)} ms vs squawk ${squawk.toFixed(0)} ms: ${speed(squawk / ours)}${native}`;
  };
  lines.push(`ours: read + parse + lint in this process; squawk: node_modules/.bin/squawk as a process over all files (its start included); they take turns.`);
  lines.push(`first run, loading the parser: ${coldMs.toFixed(0)} ms`);
  lines.push(`runs 2-${RUNS + 1}, right after it (V8 still compiling):`);
  lines.push(`  ${row('ours', early.ours, 'in process')}`);
  lines.push(`  ${row('squawk', early.squawk, 'npm binary')}`);
  if (hasNative) lines.push(`  ${row('squawk', early.native, 'its native binary, no Node wrapper')}`);
  lines.push(`after ${WARM_UP} more runs of ours (compiled, as in a long-running App):`);
  lines.push(`  ${row('ours', warm.ours, 'in process')}`);
  lines.push(`  ${row('squawk', warm.squawk, 'npm binary')}`);
  if (hasNative) lines.push(`  ${row('squawk', warm.native, 'its native binary, no Node wrapper')}`);
  lines.push(`verdict: ${verdict(early)}; warmed up: ${verdict(warm)}`);
  if (cold.length !== oursResult.length) lines.push(`(warning: the cold run found ${cold.length} findings, the later runs ${oursResult.length})`);
  lines.push('');

  const ourFindings = oursResult;
  const squawkFindings = squawkResult;
  const warningPlus = ourFindings.filter((finding) => finding.severity !== 'notice');
  const errors = ourFindings.filter((finding) => finding.severity === 'error');
  lines.push('findings per file:');
  lines.push(`  squawk, defaults                  ${pad(perFile(squawkDefaults.length, names.length), 6, true)}  (${squawkDefaults.length})`);
  lines.push(`  squawk, in transaction            ${pad(perFile(squawkFindings.length, names.length), 6, true)}  (${squawkFindings.length})`);
  lines.push(`  ours, every severity              ${pad(perFile(ourFindings.length, names.length), 6, true)}  (${ourFindings.length})`);
  lines.push(`  ours, warning and error           ${pad(perFile(warningPlus.length, names.length), 6, true)}  (${warningPlus.length})`);
  lines.push(`  ours, error                       ${pad(perFile(errors.length, names.length), 6, true)}  (${errors.length})`);
  lines.push('');

  // Parity: statements flagged per rule id, squawk's 0-based lines made 1-based first.
  const flagged = (entries: Array<{ rule: string; file: string; line: number }>): Map<string, Set<string>> => {
    const byRule = new Map<string, Set<string>>();
    for (const entry of entries) {
      const set = byRule.get(entry.rule) ?? new Set<string>();
      set.add(statementKey(index, entry.file, entry.line));
      byRule.set(entry.rule, set);
    }
    return byRule;
  };
  const squawkByRule = flagged(squawkFindings.map((v) => ({ rule: v.rule_name, file: v.file, line: v.line + 1 })));
  const oursByRule = flagged(ourFindings.filter((f) => f.path !== undefined && f.startLine !== undefined).map((f) => ({ rule: SQUAWK_ID_OF[f.ruleId] ?? f.ruleId, file: f.path!, line: f.startLine! })));
  const severityOf = new Map([...migrationRules.map((rule) => rule.meta), ...RUNNER_RULES].map((meta) => [SQUAWK_ID_OF[meta.id] ?? meta.id, meta.defaultSeverity]));
  const loudByRule = flagged(
    ourFindings.filter((f) => f.path !== undefined && f.startLine !== undefined && f.severity !== 'notice').map((f) => ({ rule: SQUAWK_ID_OF[f.ruleId] ?? f.ruleId, file: f.path!, line: f.startLine! })),
  );

  const ruleIds = [...new Set([...SQUAWK_RULES, ...squawkByRule.keys()])].sort();
  const width = Math.max(...ruleIds.map((id) => id.length)) + 2;
  lines.push('parity per squawk rule (statements flagged; a finding on any line of a statement counts for it):');
  lines.push(`  ${pad('rule', width)}${pad('squawk', 8, true)}${pad('ours', 8, true)}${pad('both', 8, true)}  agreement  ${pad('ours ≥warning', 13, true)}  our default`);
  const silent: string[] = [];
  let totalSquawk = 0;
  let totalOurs = 0;
  let totalBoth = 0;
  for (const id of ruleIds) {
    const theirs = squawkByRule.get(id) ?? new Set<string>();
    const mine = oursByRule.get(id) ?? new Set<string>();
    if (theirs.size === 0 && mine.size === 0) {
      silent.push(id);
      continue;
    }
    const both = [...theirs].filter((key) => mine.has(key)).length;
    const union = theirs.size + mine.size - both;
    totalSquawk += theirs.size;
    totalOurs += mine.size;
    totalBoth += both;
    lines.push(
      `  ${pad(id, width)}${pad(theirs.size, 8, true)}${pad(mine.size, 8, true)}${pad(both, 8, true)}  ${pad(`${((both / union) * 100).toFixed(0)}%`, 9, true)}  ${pad(loudByRule.get(id)?.size ?? 0, 13, true)}  ${severityOf.get(id) ?? 'no such rule'}`,
    );
  }
  lines.push(`  ${pad('all of the above', width)}${pad(totalSquawk, 8, true)}${pad(totalOurs, 8, true)}${pad(totalBoth, 8, true)}`);
  lines.push(`  flagged by neither on this corpus: ${silent.join(', ') || 'none'}`);
  lines.push('  (agreement = both / either; a rule we leave at notice, e.g. prefer-robust-stmts in a transaction, may rightly differ)');

  const supabaseOnly = new Map<string, number>();
  for (const finding of ourFindings) {
    if (ruleIds.includes(SQUAWK_ID_OF[finding.ruleId] ?? finding.ruleId)) continue;
    supabaseOnly.set(finding.ruleId, (supabaseOnly.get(finding.ruleId) ?? 0) + 1);
  }
  if (supabaseOnly.size > 0) {
    lines.push('');
    lines.push('ours only (rules squawk does not have):');
    for (const [id, count] of [...supabaseOnly].sort((a, b) => b[1] - a[1])) lines.push(`  ${pad(id, width)}${pad(count, 8, true)} findings  ${severityOf.get(id) ?? ''}`);
  }
  return lines.join('\n');
}
