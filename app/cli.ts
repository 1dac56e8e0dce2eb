import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { allRules } from './checks/registry.js';
import { DB_LINT_USAGE, dbLintCommand, DbLintUsageError, parseDbLintArgs } from './cli/db-lint.js';
import { runDocsCommand } from './cli/docs.js';
import { DiagramsUsageError, runDiagramsCommand } from './cli/diagrams.js';
import { IntrospectUsageError, runIntrospectCommand, runRemediateCommand } from './cli/introspect.js';
import { ConfigUsageError, runConfigCommand } from './cli/config.js';
import { OrgReadmeUsageError, runOrgReadmeCommand } from './cli/org-readme.js';
import { runWorkerCommand, WorkerUsageError } from './cli/worker.js';
import { fixCheckCommand } from './cli/check-fix.js';
import { fixMigrationsCommand, lintMigrationsCommand, MIGRATIONS_LINT_USAGE, MigrationsUsageError, parseMigrationsLintArgs } from './cli/migrations-lint.js';
import type { CheckResult } from './checks/types.js';
import { localSarif, runLocalChecks, UsageError } from './git/run-local-checks.js';
import { fixSummary } from './fix/loop.js';
import { formatJson, formatText } from './report/index.js';
import { VERSION } from './version.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

export const USAGE = `Usage:
  platform-kit check [options]     run the checks on a local checkout
  platform-kit migrations lint [options] FILE...   static migration rules, no database
  platform-kit db lint (--database URL | --migrations DIR) [options]   Supabase's database lints
  platform-kit diagrams (render [--out DIR] | check [--update]) FILE...   draw.io exports
  platform-kit introspect [--database URL | --migrations DIR] [options]   inventory, risks, compliance report
  platform-kit remediate --plan ID [--apply] [--database URL]   a stored fix: dry run, or apply it
  platform-kit config (publish | status | rollback | heartbeat | promote) [options]   shared config as versions (config --help)
  platform-kit org-readme render (--inventory FILE | --org ORG) [--out FILE]   the org profile README
  platform-kit worker [--concurrency N]   the GitHub App's queue workers, without the HTTP server (worker --help)
  platform-kit docs (drift [--format json] | sync --from FILE --to FILE,... [--sections LIST] [--dry-run])   agent instruction files
  platform-kit rules [--format json]
  platform-kit --help | --version

check options:
  --repo DIR        the checkout to check (default: the current directory)
  --base REF        compare merge-base(REF, head) with head (default: origin/$GITHUB_BASE_REF,
                    else origin/HEAD, origin/main, main, origin/master, master)
  --head REF        default HEAD
  --checks a,b      run only these checks
  --format F        text (default) | json | sarif
  --config FILE     config file (default: <repo>/.github/platform-kit.yml, else built-in defaults)
  --pr-body FILE    the pull request description, for rules that read it
  --label L         a pull request label; repeat for several
  --fix             apply the findings' fixes to the working tree (HEAD must be checked out, and
                    the files to change must have no uncommitted changes), print a summary to
                    stderr, then report what remains

Exit codes: 0 no error findings, 1 error findings, 2 usage or config error.
`;

const CHECK_OPTIONS = {
  repo: { type: 'string' },
  base: { type: 'string' },
  head: { type: 'string' },
  checks: { type: 'string' },
  format: { type: 'string' },
  config: { type: 'string' },
  'pr-body': { type: 'string' },
  label: { type: 'string', multiple: true },
  fix: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const RULES_OPTIONS = {
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

function parseFormat(value: string | undefined, allowed: readonly string[]): Format {
  const format = value ?? 'text';
  if (!allowed.includes(format)) throw new UsageError(`--format must be one of ${allowed.join(', ')} (got "${format}")`);
  return format as Format;
}

function parseCheckIds(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (ids.length === 0) throw new UsageError('--checks needs at least one check id');
  return ids;
}

/** node:util's messages name the flag but run over several lines; the CLI promises one. */
function parse<T extends ParseArgsConfig['options']>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (error) {
    const first = (error as Error).message.split('\n')[0] ?? 'invalid arguments';
    throw new UsageError(`${first.replace(/\.$/, '')} (see platform-kit --help)`);
  }
}

function hasErrors(results: readonly CheckResult[]): boolean {
  return results.some((result) => result.findings.some((finding) => finding.severity === 'error'));
}

function render(results: CheckResult[], format: Format, configFile: string | null): string {
  if (format === 'json') return formatJson(results);
  if (format === 'sarif') return localSarif(results, configFile);
  return formatText(results);
}

function withNewline(text: string): string {
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

async function runCheckCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, CHECK_OPTIONS);
  if (values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const format = parseFormat(values.format, FORMATS);
  const checks = parseCheckIds(values.checks);
  let body = '';
  if (values['pr-body'] !== undefined) {
    try {
      body = await readFile(resolve(io.cwd, values['pr-body']), 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --pr-body ${values['pr-body']}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  const options = {
    repoDir: resolve(io.cwd, values.repo ?? '.'),
    base: values.base,
    head: values.head,
    checks,
    configFile: values.config,
    cwd: io.cwd,
    env: io.env,
    pullRequest: { body, labels: values.label ?? [] },
  };
  let outcome;
  if (values.fix) {
    const fixed = await fixCheckCommand(options);
    if (fixed.ok) {
      io.stderr(`platform-kit: ${fixSummary(fixed.fix)}`);
      outcome = fixed.fix.outcome;
    } else {
      outcome = fixed;
    }
  } else {
    outcome = await runLocalChecks(options);
  }
  if (!outcome.ok) {
    for (const error of outcome.configErrors) {
      const where = [error.file, error.line, error.column].filter((part) => part !== undefined).join(':');
      io.stderr(`${where}: error [config] ${error.message}\n`);
    }
    return EXIT_USAGE;
  }
  for (const warning of outcome.warnings) io.stderr(`platform-kit: warning: ${warning}\n`);
  io.stdout(withNewline(render(outcome.results, format, outcome.configFile)));
  return hasErrors(outcome.results) ? EXIT_FINDINGS : EXIT_OK;
}

function runRulesCommand(args: string[], io: CliIo): number {
  const { values } = parse(args, RULES_OPTIONS);
  if (values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const format = parseFormat(values.format, ['text', 'json']);
  const rules = allRules().map((rule) => ({
    checkId: rule.checkId,
    id: rule.id,
    defaultSeverity: rule.defaultSeverity,
    fixable: rule.fixable,
    description: rule.description,
    docsUrl: rule.docsUrl,
  }));
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ rules }, null, 2)}\n`);
    return EXIT_OK;
  }
  const names = rules.map((rule) => `${rule.checkId}/${rule.id}`);
  const width = Math.max(...names.map((name) => name.length));
  rules.forEach((rule, i) => {
    const fixable = rule.fixable ? ' (fixable)' : '';
    io.stdout(`${(names[i] ?? '').padEnd(width)}  ${rule.defaultSeverity.padEnd(7)}  ${rule.description}${fixable}\n`);
  });
  return EXIT_OK;
}

async function runMigrationsCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    // Like the bare `platform-kit`: usage asked for goes to stdout, usage as an error to stderr.
    (sub === undefined ? io.stderr : io.stdout)(MIGRATIONS_LINT_USAGE);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (sub !== 'lint') throw new UsageError(`unknown command "migrations ${sub}" (did you mean "migrations lint"?)`);
  const request = parseMigrationsLintArgs(rest);
  if (request === 'help') {
    io.stdout(MIGRATIONS_LINT_USAGE);
    return EXIT_OK;
  }
  let result;
  if (request.fix) {
    const fixed = await fixMigrationsCommand(request, io.cwd);
    io.stderr(`platform-kit: ${fixSummary(fixed)}`);
    result = fixed.outcome;
  } else {
    result = await lintMigrationsCommand(request, io.cwd);
  }
  io.stdout(withNewline(render([result], request.format, null)));
  return hasErrors([result]) ? EXIT_FINDINGS : EXIT_OK;
}

async function runDbCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    (sub === undefined ? io.stderr : io.stdout)(DB_LINT_USAGE);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (sub !== 'lint') throw new UsageError(`unknown command "db ${sub}" (did you mean "db lint"?)`);
  const request = parseDbLintArgs(rest);
  if (request === 'help') {
    io.stdout(DB_LINT_USAGE);
    return EXIT_OK;
  }
  const result = await dbLintCommand(request, io.cwd);
  io.stdout(withNewline(render([result], request.format, null)));
  return hasErrors([result]) ? EXIT_FINDINGS : EXIT_OK;
}

/** The whole CLI as a function of its arguments (without `node` and the script), for in-process tests. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      (command === undefined ? io.stderr : io.stdout)(USAGE);
      return command === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (command === '--version' || command === '-v') {
      io.stdout(`${VERSION}\n`);
      return EXIT_OK;
    }
    if (command === 'check') return await runCheckCommand(rest, io);
    if (command === 'rules') return runRulesCommand(rest, io);
    if (command === 'migrations') return await runMigrationsCommand(rest, io);
    if (command === 'db') return await runDbCommand(rest, io);
    if (command === 'docs') return await runDocsCommand(rest, io);
    if (command === 'diagrams') return await runDiagramsCommand(rest, io);
    if (command === 'introspect') return await runIntrospectCommand(rest, io);
    if (command === 'remediate') return await runRemediateCommand(rest, io);
    if (command === 'config') return await runConfigCommand(rest, io);
    if (command === 'org-readme') return await runOrgReadmeCommand(rest, io);
    if (command === 'worker') return await runWorkerCommand(rest, io);
    throw new UsageError(`unknown command "${command}" (commands: check, config, db, diagrams, docs, introspect, migrations, org-readme, remediate, rules, worker; see --help)`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof MigrationsUsageError || error instanceof DbLintUsageError || error instanceof DiagramsUsageError || error instanceof IntrospectUsageError || error instanceof ConfigUsageError || error instanceof OrgReadmeUsageError || error instanceof WorkerUsageError) {
      io.stderr(`platform-kit: ${error.message}\n`);
      return EXIT_USAGE;
    }
    // An unexpected failure still gets one readable line; the stack only helps when asked for.
    io.stderr(`platform-kit: ${error instanceof Error ? error.message : String(error)}\n`);
    if (io.env['PLATFORM_KIT_DEBUG'] && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return EXIT_USAGE;
  }
}

export const processIo = (): CliIo => ({
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
});

/** Sets the exit code rather than exiting, so buffered output (large SARIF on a pipe) is flushed. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  process.exitCode = await runCli(argv, processIo());
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
