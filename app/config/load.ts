import { configurableRuleIds } from '../checks/registry.js';
import { mergeConfig } from './merge.js';
import { configSchema, stripExtends, type PlatformKitConfig } from './schema.js';
import { parseYaml, zodIssueToError, type ConfigError, type ParsedYaml } from './yaml-errors.js';

export type { ConfigError } from './yaml-errors.js';

export const CONFIG_PATH = '.github/platform-kit.yml';
const ORG_REPO = '.github';
const MAX_EXTENDS_DEPTH = 10;

export interface ConfigFileRef {
  owner: string;
  repo: string;
  path: string;
}

export interface ConfigSource {
  /** File text, or null when the file does not exist. Throws for anything else (network, permissions). */
  read(ref: ConfigFileRef): Promise<string | null>;
}

export type ConfigLoadResult =
  | { ok: true; config: PlatformKitConfig; files: string[]; warnings: string[] }
  | { ok: false; errors: ConfigError[]; files: string[] };

export function describeRef(ref: ConfigFileRef): string {
  return `${ref.owner}/${ref.repo}:${ref.path}`;
}

/**
 * Resolves `_extends` the way Probot documents it (`repo`, `owner/repo`, `repo:path.yml`,
 * `owner/repo:path.yml`), relative to the file that declares it.
 */
export function parseExtends(value: string, from: ConfigFileRef): ConfigFileRef | null {
  const match = /^(?:([\w.-]+)\/)?([\w.-]+)(?::(.+))?$/.exec(value.trim());
  if (!match) return null;
  const [, owner, repo, path] = match;
  if (!repo) return null;
  return { owner: owner ?? from.owner, repo, path: path ?? CONFIG_PATH };
}

/** Validates one file on its own, so every error points into the file that holds it. */
function validateFile(text: string, file: string): { raw?: Record<string, unknown>; errors: ConfigError[] } {
  const parsed = parseYaml(text, file);
  if (parsed.errors.length > 0) return { errors: parsed.errors };
  const value = parsed.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { errors: [{ file, line: 1, column: 1, message: 'the config must be a YAML mapping (key: value)' }] };
  }
  const result = configSchema.safeParse(value);
  const errors = result.success ? [] : result.error.issues.flatMap((issue) => zodIssueToError(issue, parsed, file));
  errors.push(...unknownRuleErrors(value as Record<string, unknown>, parsed, file));
  return errors.length > 0 ? { errors } : { raw: value as Record<string, unknown>, errors };
}

/** Rule overrides must name rules that exist: a typo would otherwise silently change nothing. */
function unknownRuleErrors(value: Record<string, unknown>, parsed: ParsedYaml, file: string): ConfigError[] {
  const checks = value.checks;
  if (!checks || typeof checks !== 'object') return [];
  const errors: ConfigError[] = [];
  for (const [checkId, checkConfig] of Object.entries(checks as Record<string, unknown>)) {
    const overrides = (checkConfig as { rules?: unknown } | null)?.rules;
    if (!overrides || typeof overrides !== 'object') continue;
    const known = configurableRuleIds(checkId);
    for (const ruleId of Object.keys(overrides)) {
      if (known.includes(ruleId)) continue;
      const [error] = zodIssueToError(
        { code: 'unrecognized_keys', keys: [ruleId], path: ['checks', checkId, 'rules'], message: '', input: overrides as Record<string, unknown> },
        parsed,
        file,
      );
      if (error) {
        errors.push({ ...error, message: `unknown rule "${ruleId}" for check ${checkId} (known: ${known.join(', ')})` });
      }
    }
  }
  return errors;
}

interface Layer {
  file: string;
  raw: Record<string, unknown>;
}

interface ChainResult {
  layers: Layer[];
  errors: ConfigError[];
  found: boolean;
}

async function loadChain(source: ConfigSource, ref: ConfigFileRef, seen: string[]): Promise<ChainResult> {
  const file = describeRef(ref);
  if (seen.includes(file)) {
    return { layers: [], found: true, errors: [{ file, message: `_extends cycle: ${[...seen, file].join(' → ')}` }] };
  }
  if (seen.length >= MAX_EXTENDS_DEPTH) {
    return { layers: [], found: true, errors: [{ file, message: `_extends nested deeper than ${MAX_EXTENDS_DEPTH} files` }] };
  }
  const text = await source.read(ref);
  if (text === null) return { layers: [], errors: [], found: false };
  const validated = validateFile(text, file);
  if (!validated.raw) return { layers: [], errors: validated.errors, found: true };
  const extendsValue = validated.raw._extends;
  if (typeof extendsValue !== 'string') return { layers: [{ file, raw: validated.raw }], errors: [], found: true };

  const target = parseExtends(extendsValue, ref);
  if (!target) {
    return { layers: [], found: true, errors: [{ file, message: `_extends: cannot read "${extendsValue}" (use repo, owner/repo, repo:path.yml or owner/repo:path.yml)` }] };
  }
  let base: ChainResult;
  try {
    base = await loadChain(source, target, [...seen, file]);
  } catch (error) {
    return { layers: [], found: true, errors: [{ file, message: `_extends: cannot read ${describeRef(target)}: ${errorMessage(error)}` }] };
  }
  if (!base.found) {
    return { layers: [], found: true, errors: [{ file, message: `_extends: ${describeRef(target)} does not exist` }] };
  }
  return { layers: [...base.layers, { file, raw: validated.raw }], errors: base.errors, found: true };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function finish(layers: Layer[], warnings: string[]): ConfigLoadResult {
  const files = layers.map((layer) => layer.file);
  const merged = mergeConfig(layers.map((layer) => layer.raw));
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const file = files.at(-1) ?? '(merged config)';
    return {
      ok: false,
      files,
      errors: result.error.issues.map((issue) => ({ file, message: `after merging ${files.join(', ')}: ${issue.path.join('.')}: ${issue.message}` })),
    };
  }
  return { ok: true, config: stripExtends(result.data), files, warnings };
}

/**
 * The org's defaults (`<owner>/.github:.github/platform-kit.yml`) with the repository's own file on top,
 * each after its `_extends` chain. Objects merge key by key, arrays replace.
 */
export async function loadConfig(source: ConfigSource, target: { owner: string; repo: string }): Promise<ConfigLoadResult> {
  const warnings: string[] = [];
  const layers: Layer[] = [];
  const errors: ConfigError[] = [];

  if (target.repo !== ORG_REPO) {
    const orgRef = { owner: target.owner, repo: ORG_REPO, path: CONFIG_PATH };
    try {
      const org = await loadChain(source, orgRef, []);
      layers.push(...org.layers);
      errors.push(...org.errors);
    } catch (error) {
      // The App may not be installed on the org's .github repository: the repo's own config still applies.
      warnings.push(`org defaults not read from ${describeRef(orgRef)}: ${errorMessage(error)}`);
    }
  }
  const repoRef = { owner: target.owner, repo: target.repo, path: CONFIG_PATH };
  try {
    const own = await loadChain(source, repoRef, []);
    layers.push(...own.layers);
    errors.push(...own.errors);
  } catch (error) {
    errors.push({ file: describeRef(repoRef), message: `cannot read the config: ${errorMessage(error)}` });
  }
  if (errors.length > 0) return { ok: false, errors, files: layers.map((layer) => layer.file) };
  return finish(layers, warnings);
}

/** One file given explicitly (CLI `--config`, the Action's `config` input, a local checkout). */
export function loadConfigFile(text: string, file: string): ConfigLoadResult {
  const validated = validateFile(text, file);
  if (!validated.raw) return { ok: false, errors: validated.errors, files: [file] };
  const warnings: string[] = [];
  if (typeof validated.raw._extends === 'string') {
    warnings.push(`${file}: _extends "${validated.raw._extends}" is resolved by the GitHub App only; using this file and the defaults`);
  }
  return finish([{ file, raw: validated.raw }], warnings);
}
