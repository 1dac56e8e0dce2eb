import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { configErrorResult, runChecks, UnknownCheckError } from '../checks/engine.js';
import { withDefaultServices } from '../checks/services.js';
import { allRules, checks as registeredChecks } from '../checks/registry.js';
import type { ChangeSet, CheckResult, CheckServices } from '../checks/types.js';
import { withHostPrograms } from '../config/host-programs.js';
import { CONFIG_PATH, loadConfigFile, type ConfigError } from '../config/load.js';
import { defaultConfig, type PlatformKitConfig } from '../config/schema.js';
import { formatSarif } from '../report/index.js';
import { resolveInside, UnsafePathError } from '../util/safe-path.js';
import { VERSION } from '../version.js';
import { ChangeSetError, loadLocalChangeSet, repositoryRoot, type PullRequestMetadata } from './local-changeset.js';

export interface LocalCheckOptions {
  /** Any folder inside the checkout. */
  repoDir: string;
  base?: string;
  head?: string;
  /** Check ids to run; default every enabled check. */
  checks?: string[];
  /**
   * An explicit config file (relative paths resolve against `cwd`). Default: the checkout's
   * `.github/platform-kit.yml`, and the built-in defaults when that does not exist.
   */
  configFile?: string;
  cwd?: string;
  pullRequest?: PullRequestMetadata;
  env?: Record<string, string | undefined>;
  services?: CheckServices;
  /**
   * Whether the config may name the programs the diagram renderer starts (`chromiumPath`,
   * `drawioCommand`). Default true; the Action sets it false for pull requests from forks.
   */
  trustConfigPrograms?: boolean;
}

export type LocalCheckOutcome =
  | {
      ok: true;
      results: CheckResult[];
      changeSet: ChangeSet;
      /** Repository-relative (or as given, when outside the checkout); null when the defaults applied. */
      configFile: string | null;
      warnings: string[];
    }
  | {
      ok: false;
      configErrors: ConfigError[];
      configFile: string;
      /** The failing `platform-kit/config` result, for drivers that publish it like any other check. */
      configResult: CheckResult;
    };

/** A problem with the invocation itself (refs, paths, check names): the CLI's exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface LoadedConfig {
  config: PlatformKitConfig;
  file: string | null;
  warnings: string[];
}

/** Shows a path relative to the checkout when it is inside it, so findings and annotations can point at it. */
function displayPath(root: string, absolute: string): string {
  const rel = relative(root, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return absolute;
  return rel.split(sep).join('/');
}

async function readConfig(root: string, options: LocalCheckOptions): Promise<LoadedConfig | { errors: ConfigError[]; file: string }> {
  const explicit = options.configFile !== undefined;
  const absolute = explicit ? resolve(options.cwd ?? process.cwd(), options.configFile as string) : await checkoutConfigPath(root);
  const file = displayPath(root, absolute);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return { config: defaultConfig, file: null, warnings: [] };
    if (code === 'ENOENT') throw new UsageError(`config file ${options.configFile} does not exist`);
    throw new UsageError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  const loaded = loadConfigFile(text, file);
  if (!loaded.ok) return { errors: loaded.errors, file };
  return { config: loaded.config, file, warnings: loaded.warnings };
}

/**
 * The checkout's own config file. The checkout is the pull request's, so the file may be a
 * symbolic link: one leading outside the checkout is refused rather than read (its content would
 * otherwise surface in config errors).
 */
async function checkoutConfigPath(root: string): Promise<string> {
  try {
    return await resolveInside(root, CONFIG_PATH);
  } catch (error) {
    if (error instanceof UnsafePathError) throw new UsageError(`${CONFIG_PATH} is not read: ${error.message}`);
    throw error;
  }
}

/**
 * The pipeline every local driver (CLI, Action, demo) shares, so they cannot drift apart:
 * config from the checkout, a ChangeSet from git, then the engine.
 */
export async function runLocalChecks(options: LocalCheckOptions): Promise<LocalCheckOutcome> {
  const known = registeredChecks.map((check) => check.id);
  const unknown = (options.checks ?? []).filter((id) => !known.includes(id));
  if (unknown.length > 0) throw new UsageError(new UnknownCheckError(unknown, known).message);

  let root: string;
  try {
    root = await repositoryRoot(options.repoDir);
  } catch (error) {
    if (error instanceof ChangeSetError) throw new UsageError(error.message);
    throw error;
  }
  const loaded = await readConfig(root, options);
  if ('errors' in loaded) {
    return { ok: false, configErrors: loaded.errors, configFile: loaded.file, configResult: configErrorResult(loaded.errors) };
  }

  let changeSet: ChangeSet;
  try {
    changeSet = await loadLocalChangeSet({
      repoDir: root,
      base: options.base,
      head: options.head,
      pullRequest: options.pullRequest,
      env: options.env,
    });
  } catch (error) {
    if (error instanceof ChangeSetError) throw new UsageError(error.message);
    throw error;
  }
  const warnings = [...loaded.warnings];
  const config =
    options.trustConfigPrograms === false
      ? withHostPrograms(loaded.config, (fields, message) => warnings.push(`${message} (${Object.entries(fields).filter(([, value]) => value !== undefined).map(([key, value]) => `${key}: ${String(value)}`).join(', ')})`))
      : loaded.config;
  const run = (services: CheckServices) => runChecks({ changeSet, config, only: options.checks, services });
  const results = options.services ? await run(options.services) : await withDefaultServices(run);
  return { ok: true, results, changeSet, configFile: loaded.file, warnings };
}

/**
 * SARIF as the CLI and the Action write it. Code scanning needs a location for every result, so
 * findings about the whole change are anchored at the config file when the checkout has one.
 */
export function localSarif(results: readonly CheckResult[], configFile: string | null): string {
  const anchor = configFile !== null && !isAbsolute(configFile) ? configFile : undefined;
  return formatSarif(results, { toolVersion: VERSION, rules: allRules(), ...(anchor ? { pathlessAnchor: anchor } : {}) });
}
