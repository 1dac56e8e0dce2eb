import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pg from 'pg';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { applyMigrations, createShadowDatabaseFactory, type ShadowDatabase } from '../checks/schema-safety/shadow/index.js';
import { ensureParser, parseMigration } from '../checks/schema-safety/sql/parse.js';
import type { ControlPlane } from '../control-plane/index.js';
import { openControlPlaneFromFlag } from '../control-plane/open-from-flag.js';
import { orgSlugOf, projectSlug } from '../control-plane/slugs.js';
import type { GitHubClient } from '../github/client.js';
import { githubClientForAction } from '../introspection/github-inventory.js';
import { countAtOrAbove, introspectDatabase, introspectGitHub, type IntrospectionResult } from '../introspection/introspect.js';
import { remediatePlan } from '../introspection/remediate-plan.js';
import type { EnsureProjectInput, ScanWaiver } from '../introspection/store.js';
import { RISK_SEVERITIES, type RiskSeverity } from '../introspection/types.js';
import { redactUrl } from './redact-url.js';

export class IntrospectUsageError extends Error {}

export const INTROSPECT_USAGE = `Usage:
  platform-kit introspect [--database URL | --migrations DIR] [options]
  platform-kit remediate --plan ID [--apply] --database URL [options]

introspect: inventories a database's catalog, runs Supabase's database lints on it, stores the
scan (objects, risks with their fix SQL) in the control plane and prints the compliance report.
With neither --database nor --migrations, in a repository with supabase/migrations, it builds a
shadow database from them and stores into the embedded control plane (.platform-kit/control-plane).

options:
  --database URL          a live database (a read-only role is enough to scan)
  --migrations DIR        build a shadow database from a migrations folder and scan that
  --control-plane WHERE   embedded (default: PGlite in .platform-kit/control-plane), a postgres:// URL,
                          supabase (SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY), or none
  --org NAME              the GitHub organisation: with GITHUB_TOKEN its repositories are inventoried too
                          (protection, CI, secret scanning, CODEOWNERS, ...); scans are stored under it
                          (default: $PLATFORM_KIT_ORG, $GITHUB_REPOSITORY_OWNER, else local)
  --project SLUG          the project (default: the database name, or the repository folder's name)
  --exposed-schemas a,b   schemas the Data API exposes (default: supabase/config.toml [api] schemas, else public)
  --waivers FILE          YAML or JSON list of {key, reason, expires?} accepting known risks
                          (default: checks.schema-safety.waivers of .github/platform-kit.yml)
  --format F              text (default) | markdown | json
  --report FILE           also write the Markdown report to FILE
  --fail-on SEVERITY      exit 1 when an open risk is at least this severe: critical, high, medium,
                          low, info, or never (default critical)

remediate: shows a stored plan's SQL and what it would change (a dry run), or with --apply runs it
in a transaction with statement and lock timeouts, refusing DROP/TRUNCATE/DELETE without WHERE,
and records the outcome in the audit log. A plan already applied is not run again.
  --plan ID               the plan (the report names it with each fixable risk)
  --apply                 run it (default: dry run)
  --org SLUG              as above
  --control-plane WHERE   as above
  --statement-timeout MS  default 60000
  --lock-timeout MS       default 5000

Exit codes: 0 ok, 1 risks at or above --fail-on (introspect) or a plan refused or failed
(remediate), 2 usage error, unreachable database or control plane (nothing stored).
`;

export interface IntrospectIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

function parse<T extends ParseArgsConfig['options']>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new IntrospectUsageError(`${(error as Error).message.split('\n')[0]?.replace(/\.$/, '')} (see platform-kit introspect --help)`);
  }
}

function openStoreFor(where: string, io: IntrospectIo): Promise<ControlPlane | null> {
  return openControlPlaneFromFlag(where, { cwd: io.cwd, env: io.env, allowNone: true, usageError: (message) => new IntrospectUsageError(message) });
}

function exposedSchemasOf(value: string | undefined, cwd: string): string[] {
  if (value) return value.split(',').map((schema) => schema.trim()).filter(Boolean);
  const config = join(cwd, 'supabase', 'config.toml');
  if (existsSync(config)) {
    try {
      const schemas = (parseToml(readFileSync(config, 'utf8')) as { api?: { schemas?: unknown } }).api?.schemas;
      if (Array.isArray(schemas) && schemas.every((schema) => typeof schema === 'string') && schemas.length > 0) return schemas as string[];
    } catch {
      // A broken config.toml is the schema-safety check's to report; the scan uses the default.
    }
  }
  return ['public'];
}

interface WaiverEntry {
  key?: unknown;
  fingerprint?: unknown;
  reason?: unknown;
  expires?: unknown;
}

async function readWaivers(file: string | undefined, cwd: string): Promise<ScanWaiver[]> {
  let entries: unknown;
  let source: string;
  if (file) {
    source = file;
    try {
      entries = parseYaml(await readFile(resolve(cwd, file), 'utf8'));
    } catch (error) {
      throw new IntrospectUsageError(`cannot read --waivers ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  } else {
    source = '.github/platform-kit.yml';
    const path = join(cwd, source);
    if (!existsSync(path)) return [];
    try {
      const config = parseYaml(await readFile(path, 'utf8')) as { checks?: { 'schema-safety'?: { waivers?: unknown } } } | null;
      entries = config?.checks?.['schema-safety']?.waivers ?? [];
    } catch {
      return [];
    }
  }
  if (!Array.isArray(entries)) throw new IntrospectUsageError(`${source}: waivers must be a list of {key, reason, expires?}`);
  return entries.map((entry: WaiverEntry, index) => {
    const key = entry?.key ?? entry?.fingerprint;
    if (typeof key !== 'string' || key === '') throw new IntrospectUsageError(`${source}: waivers[${index}].key is required (a risk's cache key)`);
    if (typeof entry.reason !== 'string' || entry.reason.trim() === '') throw new IntrospectUsageError(`${source}: waivers[${index}].reason is required`);
    const expires = entry.expires instanceof Date ? entry.expires.toISOString().slice(0, 10) : entry.expires;
    if (expires !== undefined && expires !== null && (typeof expires !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(expires))) {
      throw new IntrospectUsageError(`${source}: waivers[${index}].expires must be a date (YYYY-MM-DD)`);
    }
    return { fingerprint: key, reason: entry.reason, ...(typeof expires === 'string' ? { expires } : {}) };
  });
}

interface Target {
  db: ShadowDatabase | pg.Client;
  shadow: boolean;
  label: string;
  projectSlug: string;
  provider: EnsureProjectInput['provider'];
  externalRef?: string;
  close(): Promise<void>;
}

async function connectDatabase(url: string): Promise<Target> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new IntrospectUsageError(`cannot connect to ${redactUrl(url)}: ${(error as Error).message || 'connection refused'}; nothing was stored`);
  }
  let database = 'postgres';
  let host = 'database';
  try {
    const parsed = new URL(url);
    database = parsed.pathname.replace(/^\//, '') || database;
    host = parsed.hostname || host;
  } catch {
    // The driver accepted it; the names are only labels.
  }
  return { db: client, shadow: false, label: redactUrl(url), projectSlug: projectSlug(`${host}-${database}`, 'database'), provider: 'postgres', externalRef: `${host}/${database}`.slice(0, 200), close: () => client.end() };
}

async function shadowFromMigrations(dir: string, io: IntrospectIo, progress: (message: string) => void): Promise<Target> {
  const absolute = resolve(io.cwd, dir);
  let names: string[];
  try {
    names = (await readdir(absolute)).filter((name) => name.endsWith('.sql')).sort();
  } catch (error) {
    throw new IntrospectUsageError(`cannot read --migrations ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (names.length === 0) throw new IntrospectUsageError(`no .sql files in ${dir}`);
  await ensureParser();
  const migrations = [];
  for (const name of names) {
    const path = join(absolute, name);
    migrations.push(parseMigration(relative(io.cwd, path).split('\\').join('/'), await readFile(path, 'utf8')));
  }
  progress(`applying ${names.length} migration${names.length === 1 ? '' : 's'} from ${dir} to a shadow database`);
  const factory = createShadowDatabaseFactory();
  const db = await factory.create({});
  const applied = await applyMigrations(db, migrations);
  if (applied.failure) {
    progress(`${applied.failure.path}:${applied.failure.line}: ${applied.failure.message}; scanning what applied before it`);
  }
  const repo = basename(resolve(absolute, '..', '..'));
  return {
    db,
    shadow: true,
    label: `${relative(io.cwd, absolute) || '.'} (shadow database, ${db.kind})`,
    projectSlug: projectSlug(`${repo}-migrations`, 'migrations'),
    provider: 'supabase',
    close: async () => {
      await db.close();
      await factory.dispose();
    },
  };
}

export function parseSeverity(value: string | undefined): RiskSeverity | 'never' {
  const severity = value ?? 'critical';
  if (severity === 'never' || (RISK_SEVERITIES as readonly string[]).includes(severity)) return severity as RiskSeverity | 'never';
  throw new IntrospectUsageError(`--fail-on must be one of ${RISK_SEVERITIES.join(', ')}, never (got "${severity}")`);
}

function resultJson(result: IntrospectionResult): Record<string, unknown> {
  return {
    scanId: result.scanId,
    objects: result.inventory.counts,
    columns: result.inventory.columnCount,
    unreadable: result.inventory.unreadable,
    openBySeverity: result.openBySeverity,
    resolved: result.resolvedCount,
    risks: result.risks,
  };
}

/** The database scan's fields at the top (the common case), the GitHub scan's under `github`. */
function jsonOutput(run: IntrospectionRun): string {
  const database = run.database ? resultJson(run.database) : {};
  return `${JSON.stringify({ ...database, ...(run.github ? { github: resultJson(run.github) } : {}) }, null, 2)}\n`;
}

export interface IntrospectRequest {
  database?: string;
  migrations?: string;
  /** embedded, none, supabase, or a postgres:// URL. */
  controlPlane: string;
  /** The GitHub organisation: its repositories are inventoried when a token is at hand, and scans are stored under it. */
  org?: string;
  project?: string;
  exposedSchemas?: string;
  waiversFile?: string;
  reportFile?: string;
  /** Default: GITHUB_TOKEN or GH_TOKEN. */
  githubToken?: string;
  /** A client to use instead of one built from the token (tests, the App's installation client). */
  githubClient?: GitHubClient;
}

/** One introspection run: the database scan and the GitHub org scan, whichever ran. */
export interface IntrospectionRun {
  database?: IntrospectionResult;
  github?: IntrospectionResult;
  results: IntrospectionResult[];
  /** The reports of the scans, one after the other. */
  report: string;
  openBySeverity: Record<RiskSeverity, number>;
}

function combine(database: IntrospectionResult | undefined, github: IntrospectionResult | undefined): IntrospectionRun {
  const results = [database, github].filter((result): result is IntrospectionResult => result !== undefined);
  const openBySeverity = Object.fromEntries(RISK_SEVERITIES.map((severity) => [severity, results.reduce((sum, result) => sum + result.openBySeverity[severity], 0)])) as Record<RiskSeverity, number>;
  return {
    ...(database ? { database } : {}),
    ...(github ? { github } : {}),
    results,
    report: results.map((result) => result.report.trimEnd()).join('\n\n---\n\n') + '\n',
    openBySeverity,
  };
}

/**
 * Connects to what is scanned (a database, or a shadow database built from migrations) before
 * opening the control plane, so an unreachable database stores nothing; then scans and stores it,
 * and the GitHub organisation's repositories when an org and a token are given.
 */
export async function executeIntrospection(request: IntrospectRequest, io: IntrospectIo): Promise<IntrospectionRun> {
  if (request.database && request.migrations) throw new IntrospectUsageError('give --database URL or --migrations DIR, not both');
  const token = request.githubToken ?? io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN;
  const githubOrg = request.org && (request.githubClient || token) ? request.org : undefined;
  let migrations = request.migrations;
  if (!request.database && !migrations && existsSync(join(io.cwd, 'supabase', 'migrations'))) migrations = 'supabase/migrations';
  const scansDatabase = Boolean(request.database || migrations);
  if (!scansDatabase && !githubOrg) {
    throw new IntrospectUsageError(
      request.org
        ? `the GitHub inventory of ${request.org} needs a token (GITHUB_TOKEN), and there is no database to scan`
        : 'nothing to scan: give --database URL or --migrations DIR (or run it in a repository with supabase/migrations), or --org NAME with GITHUB_TOKEN',
    );
  }
  const waivers = await readWaivers(request.waiversFile, io.cwd);
  const exposedSchemas = exposedSchemasOf(request.exposedSchemas, io.cwd);
  // Periodic lines, not a redrawn bar: they read the same in a terminal and in a CI log.
  const progress = (message: string) => io.stderr(`platform-kit: ${message}\n`);
  if (request.org && !githubOrg) progress(`GITHUB_TOKEN is not set: the repositories of ${request.org} are not inventoried`);

  const target = request.database ? await connectDatabase(request.database) : migrations ? await shadowFromMigrations(migrations, io, progress) : undefined;
  let controlPlane: ControlPlane | null = null;
  try {
    controlPlane = await openStoreFor(request.controlPlane, io);
    const orgSlug = orgSlugOf(request.org, io.env);
    const triggeredBy = io.env.GITHUB_ACTIONS ? `github-actions:${io.env.GITHUB_WORKFLOW ?? 'workflow'}` : 'cli';
    const store = (project: EnsureProjectInput) => (controlPlane ? { store: { store: controlPlane.introspection, project, triggeredBy } } : {});
    const database = target
      ? await introspectDatabase({
          db: target.db,
          target: target.label,
          exposedSchemas,
          shadow: target.shadow,
          waivers,
          onProgress: progress,
          ...store({
            orgSlug,
            projectSlug: projectSlug(request.project ?? target.projectSlug, 'project'),
            provider: target.provider,
            ...(target.externalRef ? { externalRef: target.externalRef } : {}),
          }),
        })
      : undefined;
    const github = githubOrg
      ? await introspectGitHub({
          octokit: request.githubClient ?? githubClientForAction(token as string),
          org: githubOrg,
          waivers,
          onProgress: progress,
          ...store({ orgSlug, projectSlug: projectSlug(`github-${githubOrg}`, 'github'), provider: 'github', externalRef: githubOrg }),
        })
      : undefined;
    const run = combine(database, github);
    if (request.reportFile) {
      const path = resolve(io.cwd, request.reportFile);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, run.report);
    }
    return run;
  } finally {
    await target?.close().catch(() => undefined);
    await controlPlane?.close().catch(() => undefined);
  }
}

/** Exit code for a run: 1 when an open risk is at least `failOn` severe. */
export function introspectionExitCode(run: Pick<IntrospectionRun, 'openBySeverity'>, failOn: RiskSeverity | 'never'): number {
  if (failOn === 'never') return 0;
  return countAtOrAbove(run.openBySeverity, failOn) > 0 ? 1 : 0;
}

export async function runIntrospectCommand(args: string[], io: IntrospectIo): Promise<number> {
  const { values } = parse(args, {
    database: { type: 'string' },
    migrations: { type: 'string' },
    'control-plane': { type: 'string' },
    org: { type: 'string' },
    project: { type: 'string' },
    'exposed-schemas': { type: 'string' },
    waivers: { type: 'string' },
    format: { type: 'string' },
    report: { type: 'string' },
    'fail-on': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(INTROSPECT_USAGE);
    return 0;
  }
  const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const format = str(values.format) ?? 'text';
  if (!['text', 'markdown', 'json'].includes(format)) throw new IntrospectUsageError(`--format must be one of text, markdown, json (got "${format}")`);
  const failOn = parseSeverity(str(values['fail-on']));
  const optional = (key: keyof IntrospectRequest, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  const result = await executeIntrospection(
    {
      controlPlane: str(values['control-plane']) ?? 'embedded',
      ...optional('database', str(values.database)),
      ...optional('migrations', str(values.migrations)),
      ...optional('org', str(values.org)),
      ...optional('project', str(values.project)),
      ...optional('exposedSchemas', str(values['exposed-schemas'])),
      ...optional('waiversFile', str(values.waivers)),
      ...optional('reportFile', str(values.report)),
    },
    io,
  );
  io.stdout(format === 'json' ? jsonOutput(result) : result.report);
  return introspectionExitCode(result, failOn);
}

export async function runRemediateCommand(args: string[], io: IntrospectIo): Promise<number> {
  const { values } = parse(args, {
    plan: { type: 'string' },
    apply: { type: 'boolean' },
    database: { type: 'string' },
    org: { type: 'string' },
    'control-plane': { type: 'string' },
    'statement-timeout': { type: 'string' },
    'lock-timeout': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(INTROSPECT_USAGE);
    return 0;
  }
  const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const planId = Number(str(values.plan));
  if (!Number.isInteger(planId) || planId < 1) throw new IntrospectUsageError('--plan ID is required (a positive integer; the report names the plans)');
  const positive = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new IntrospectUsageError(`--${name} must be a positive number of milliseconds (got "${value}")`);
    return number;
  };
  const statementTimeoutMs = positive('statement-timeout', str(values['statement-timeout']));
  const lockTimeoutMs = positive('lock-timeout', str(values['lock-timeout']));
  const apply = values.apply === true;
  const database = str(values.database);
  if (apply && !database) throw new IntrospectUsageError('--apply needs --database URL (the database to change)');
  const controlPlane = await openStoreFor(str(values['control-plane']) ?? 'embedded', io);
  if (!controlPlane) throw new IntrospectUsageError('remediate reads its plan from the control plane: --control-plane none cannot be used');
  let target: Target | undefined;
  try {
    const orgSlug = orgSlugOf(str(values.org), io.env);
    const orgId = await controlPlane.introspection.findOrg(orgSlug);
    if (!orgId) throw new IntrospectUsageError(`no org "${orgSlug}" in the control plane: run platform-kit introspect first (or pass --org)`);
    if (apply && database) target = await connectDatabase(database);
    const result = await remediatePlan({
      store: controlPlane.introspection,
      orgId,
      planId,
      apply,
      actor: io.env.GITHUB_ACTOR ?? io.env.USER ?? 'platform-kit',
      ...(target ? { session: target.db } : {}),
      ...(statementTimeoutMs ? { statementTimeoutMs } : {}),
      ...(lockTimeoutMs ? { lockTimeoutMs } : {}),
    });
    io.stdout(`${result.preview}\n`);
    io.stderr(`platform-kit: ${result.message}\n`);
    return result.outcome === 'refused' || result.outcome === 'failed' ? 1 : 0;
  } finally {
    await target?.close().catch(() => undefined);
    await controlPlane.close().catch(() => undefined);
  }
}
