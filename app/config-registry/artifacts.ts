/**
 * Reading the repository's artifacts: which file is which artifact, parsed strictly and validated
 * all together, so a publish either has every artifact valid or publishes nothing.
 *
 * Conventions: `config/tokens/<name>.json` is a tokens artifact, `config/consumers/consumers.json`
 * the consumers registry, any other `<name>.json` a custom artifact, validated by a JSON Schema next
 * to it (`<name>.schema.json`) or a zod module (`<name>.schema.ts|.js|.mjs` exporting `schema`).
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { ArtifactKind } from '../control-plane/types.js';
import { contentHash } from './canonical.js';
import { validateConsumers, type ConsumersRegistry } from './consumers.js';
import { validateWithJsonSchema, validateWithZodModule } from './custom.js';
import { ConfigValidationError, type ConfigIssue } from './errors.js';
import { DEFAULT_MAX_JSON_BYTES, formatBytes, parseStrictJson, type JsonValue, type ParsedJson } from './json.js';
import { validateTokens, type ResolvedToken } from './tokens.js';

export interface LoadedArtifact {
  name: string;
  kind: ArtifactKind;
  /** Repository-relative path. */
  file: string;
  content: JsonValue;
  /** SHA-256 of the canonical JSON. */
  hash: string;
  /** Tokens artifacts: the resolved tokens. */
  tokens?: Map<string, ResolvedToken>;
}

export interface LoadedConfig {
  artifacts: LoadedArtifact[];
  /** The consumers registry, when one of the files is it. */
  registry?: ConsumersRegistry;
}

export function artifactKindOf(file: string): ArtifactKind {
  const normalised = file.split('\\').join('/');
  if (/(^|\/)config\/tokens\/[^/]+\.json$/.test(normalised)) return 'tokens';
  if (/(^|\/)config\/consumers\/consumers\.json$/.test(normalised)) return 'consumers';
  return 'other';
}

export function artifactNameOf(file: string): string {
  return basename(file, '.json').toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, '');
}

export function isSchemaFile(file: string): boolean {
  return /\.schema\.(json|ts|js|mjs)$/.test(file);
}

function schemaFor(absolute: string): { kind: 'json-schema' | 'zod'; path: string } | undefined {
  const stem = join(dirname(absolute), basename(absolute, '.json'));
  if (existsSync(`${stem}.schema.json`)) return { kind: 'json-schema', path: `${stem}.schema.json` };
  for (const extension of ['ts', 'js', 'mjs']) if (existsSync(`${stem}.schema.${extension}`)) return { kind: 'zod', path: `${stem}.schema.${extension}` };
  return undefined;
}

export interface LoadOptions {
  repoDir: string;
  /** Repository-relative or absolute paths of the artifacts (schema files are skipped). */
  files: readonly string[];
  maxBytes?: number;
  /** Check that the registry's consumers only name artifacts among `files` (default true; off when reading the registry alone). */
  checkConsumedArtifacts?: boolean;
}

/** Reads and validates every file; throws ConfigValidationError listing every problem. */
export async function loadArtifacts(options: LoadOptions): Promise<LoadedConfig> {
  const issues: ConfigIssue[] = [];
  const parsed: Array<{ parsed: ParsedJson; absolute: string; kind: ArtifactKind; name: string }> = [];
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  const names = new Map<string, string>();
  for (const file of [...new Set(options.files)].filter((candidate) => !isSchemaFile(candidate)).sort()) {
    const absolute = resolve(options.repoDir, file);
    const shown = relative(options.repoDir, absolute).split('\\').join('/');
    try {
      // The size is checked before reading, so a huge file is refused without loading it.
      const size = (await stat(absolute)).size;
      if (size > maxBytes) {
        issues.push({ file: shown, pointer: '', message: `file is ${formatBytes(size)}; the limit is ${formatBytes(maxBytes)}` });
        continue;
      }
      const document = parseStrictJson(shown, await readFile(absolute), { maxBytes });
      const name = artifactNameOf(shown);
      const clash = names.get(name);
      if (clash) {
        issues.push({ file: shown, pointer: '', message: `artifact name "${name}" is also the name of ${clash}; rename one of the files` });
        continue;
      }
      names.set(name, shown);
      parsed.push({ parsed: document, absolute, kind: artifactKindOf(shown), name });
    } catch (error) {
      if (error instanceof ConfigValidationError) issues.push(...error.issues);
      else issues.push({ file: shown, pointer: '', message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    }
  }

  const artifacts: LoadedArtifact[] = [];
  let registry: ConsumersRegistry | undefined;
  const known = new Set(parsed.map((entry) => entry.name));
  for (const entry of parsed) {
    const { parsed: document } = entry;
    const value = document.value;
    if (value === null || typeof value !== 'object') {
      issues.push({ file: document.file, pointer: '', line: 1, column: 1, message: 'an artifact must be a JSON object or array' });
      continue;
    }
    const artifact: LoadedArtifact = { name: entry.name, kind: entry.kind, file: document.file, content: value, hash: contentHash(value) };
    if (entry.kind === 'tokens') {
      const result = validateTokens(document);
      issues.push(...result.issues);
      artifact.tokens = result.tokens;
    } else if (entry.kind === 'consumers') {
      const result = validateConsumers(document, options.checkConsumedArtifacts === false ? undefined : known);
      issues.push(...result.issues);
      registry = result.registry;
    } else {
      const schema = schemaFor(entry.absolute);
      if (schema?.kind === 'json-schema') {
        const shownSchema = relative(options.repoDir, schema.path).split('\\').join('/');
        try {
          const schemaDocument = parseStrictJson(shownSchema, await readFile(schema.path), { maxBytes });
          issues.push(...(await validateWithJsonSchema(document, schemaDocument.value, shownSchema)));
        } catch (error) {
          if (error instanceof ConfigValidationError) issues.push(...error.issues);
          else throw error;
        }
      } else if (schema?.kind === 'zod') {
        issues.push(...(await validateWithZodModule(document, schema.path)));
      }
    }
    artifacts.push(artifact);
  }
  if (issues.length > 0) throw new ConfigValidationError(issues);
  return { artifacts, registry };
}
