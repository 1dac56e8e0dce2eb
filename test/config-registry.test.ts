/**
 * The config registry's pure parts: the strict JSON reader, canonical JSON and hashes, design
 * tokens (DTCG) with aliases, the consumers registry, custom artifacts and the tokens diff.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  canonicalJson,
  ConfigValidationError,
  contentHash,
  diffTokens,
  loadArtifacts,
  parseStrictJson,
  renderDiffMarkdown,
  validateConsumers,
  validateTokens,
  type ConfigIssue,
  type JsonValue,
} from '../app/config-registry/index.js';

const FIXTURE_REPO = join(import.meta.dirname, 'fixtures', 'config-registry', 'repo');
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

function tokensIssues(text: string): ConfigIssue[] {
  return validateTokens(parseStrictJson('tokens.json', text)).issues;
}

describe('strict JSON reader', () => {
  it('reports malformed JSON with line and column', () => {
    const [issue] = issuesOf(() => parseStrictJson('a.json', '{\n  "a": 1,\n  "b": tru\n}'));
    expect(issue).toMatchObject({ file: 'a.json', line: 3, column: 8, pointer: '/b' });
    expect(issue?.message).toMatch(/expected a JSON value/);
    expect(issuesOf(() => parseStrictJson('a.json', '{"a": 1,}'))[0]).toMatchObject({ line: 1, column: 9 });
  });

  it('rejects duplicate keys with the pointer and line of the second', () => {
    const [issue] = issuesOf(() => parseStrictJson('a.json', '{\n  "color": {\n    "red": 1,\n    "red": 2\n  }\n}'));
    expect(issue).toMatchObject({ pointer: '/color/red', line: 4, column: 5 });
    expect(issue?.message).toMatch(/duplicate key "red"/);
  });

  it('refuses a document over the size limit, naming the limit', () => {
    const big = `[${'1,'.repeat(6 * 1024 * 1024)}1]`;
    const [issue] = issuesOf(() => parseStrictJson('big.json', big));
    expect(issue?.message).toMatch(/the limit is 10 MB/);
  });

  it('keeps the positions of values and handles escapes and __proto__ keys as data', () => {
    const parsed = parseStrictJson('a.json', '{"x": {"__proto__": "\\u00e9\\n"}, "y": [1, {"z": 2}]}');
    expect(parsed.value).toEqual(JSON.parse('{"x": {"__proto__": "é\\n"}, "y": [1, {"z": 2}]}'));
    expect(Object.getPrototypeOf((parsed.value as { x: object }).x)).toBe(Object.prototype);
    expect(parsed.positions.get('/y/1/z')).toEqual({ line: 1, column: 49 });
  });
});

describe('canonical JSON', () => {
  it('sorts keys, normalises numbers and drops whitespace, so layout does not change the hash', () => {
    const a = parseStrictJson('a.json', '{ "b": 1.0, "a": [1e2, -0, "x"] }').value;
    const b = parseStrictJson('b.json', '{"a":[100,0,"x"],"b":1}').value;
    expect(canonicalJson(a)).toBe('{"a":[100,0,"x"],"b":1}');
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash({ a: 1 } as JsonValue)).not.toBe(contentHash({ a: 2 } as JsonValue));
  });
});

describe('design tokens', () => {
  it('accepts every DTCG type and resolves aliases, including inside composite values', () => {
    const parsed = parseStrictJson('tokens.json', readFileSync(join(FIXTURE_REPO, 'config/tokens/tokens.json'), 'utf8'));
    const { tokens, issues } = validateTokens(parsed);
    expect(issues).toEqual([]);
    expect(tokens.get('color.text.link')).toMatchObject({ type: 'color', value: '#0969da', aliasOf: 'color.brand.primary' });
    expect(tokens.get('font.body')?.value).toMatchObject({ fontFamily: ['Inter', 'sans-serif'] });
    expect(tokens.get('border.default')?.value).toMatchObject({ color: '#8250df' });
    expect(new Set([...tokens.values()].map((token) => token.type)).size).toBe(13);
  });

  it('rejects an unknown type at its $type', () => {
    expect(tokensIssues('{\n "a": { "$type": "colour", "$value": "#fff" }\n}')).toEqual([
      expect.objectContaining({ pointer: '/a/$type', line: 2, message: expect.stringMatching(/unknown type "colour"/) }),
    ]);
  });

  it('rejects a broken alias', () => {
    expect(tokensIssues('{"a": {"$type": "color", "$value": "{color.missing}"}}')).toEqual([
      expect.objectContaining({ pointer: '/a/$value', message: 'alias {color.missing} points to no token' }),
    ]);
  });

  it('rejects an alias cycle, naming the cycle', () => {
    const issues = tokensIssues('{"$type": "color", "a": {"$value": "{b}"}, "b": {"$value": "{c}"}, "c": {"$value": "{a}"}}');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toBe('alias cycle: {a} → {b} → {c} → {a}');
  });

  it('rejects a wrong color format and a type mismatch through an alias', () => {
    expect(tokensIssues('{"c": {"$type": "color", "$value": "red"}}')[0]).toMatchObject({ pointer: '/c/$value', message: expect.stringMatching(/invalid color: a color is a hex string/) });
    expect(tokensIssues('{"c": {"$type": "color", "$value": "#12345"}}')).toHaveLength(1);
    expect(tokensIssues('{"d": {"$type": "dimension", "$value": "4px"}, "b": {"$type": "border", "$value": {"color": "{d}", "width": "1px", "style": "solid"}}}')[0]).toMatchObject({
      pointer: '/b/$value/color',
      message: 'alias {d} is a dimension token; color needs a color',
    });
  });

  it('rejects a token without a type and a wrong composite field', () => {
    expect(tokensIssues('{"x": {"$value": 1}}')[0]?.message).toMatch(/no \$type/);
    expect(tokensIssues('{"e": {"$type": "cubicBezier", "$value": [2, 0, 0.5, 1]}}')[0]?.pointer).toBe('/e/$value/0');
  });
});

describe('consumers registry', () => {
  it('rejects an unknown ring, a duplicate id and an artifact not published here', () => {
    const parsed = parseStrictJson(
      'consumers.json',
      JSON.stringify({
        rings: [{ name: 'canary', bakeMinutes: 10 }],
        consumers: [
          { id: 'a', kind: 'web', owner: 'o', environment: 'production', artifacts: ['tokens'], heartbeatIntervalSeconds: 60, ring: 'prod' },
          { id: 'a', kind: 'web', owner: 'o', environment: 'production', artifacts: ['nope'], heartbeatIntervalSeconds: 60, ring: 'canary' },
        ],
      }),
    );
    const { issues } = validateConsumers(parsed, new Set(['tokens']));
    expect(issues.map((issue) => issue.pointer)).toEqual(['/consumers/0/ring', '/consumers/1/id', '/consumers/1/artifacts/0']);
  });
});

describe('loading a repository', () => {
  it('loads tokens, the registry and a custom artifact checked by its JSON Schema', async () => {
    const config = await loadArtifacts({ repoDir: FIXTURE_REPO, files: ['config/tokens/tokens.json', 'config/consumers/consumers.json', 'config/flags/flags.json', 'config/flags/flags.schema.json'] });
    expect(config.artifacts.map((artifact) => [artifact.name, artifact.kind])).toEqual([
      ['consumers', 'consumers'],
      ['flags', 'other'],
      ['tokens', 'tokens'],
    ]);
    expect(config.registry?.rings.map((ring) => ring.name)).toEqual(['canary', 'staging', 'production']);
  });

  it('validates a custom artifact with the zod schema module next to it', async () => {
    const error = await loadArtifacts({ repoDir: join(import.meta.dirname, 'fixtures', 'config-registry', 'zod'), files: ['config/limits/limits.json', 'config/limits/limits.schema.mjs'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).issues).toEqual([
      expect.objectContaining({ file: 'config/limits/limits.json', pointer: '/api/requestsPerMinute', line: 3, message: expect.stringMatching(/>0|positive|greater/i) }),
    ]);
  });

  it('collects every problem of every file before failing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-registry-'));
    temporary.push(dir);
    cpSync(FIXTURE_REPO, dir, { recursive: true });
    writeFileSync(join(dir, 'config/flags/flags.json'), '{"checkout": {"newFlow": "yes"}}');
    writeFileSync(join(dir, 'config/tokens/tokens.json'), '{"a": {"$type": "color", "$value": "{b}"}}');
    mkdirSync(join(dir, 'config/big'));
    writeFileSync(join(dir, 'config/big/big.json'), Buffer.alloc(50 * 1024 * 1024, 0x20));
    const error = await loadArtifacts({ repoDir: dir, files: ['config/tokens/tokens.json', 'config/flags/flags.json', 'config/big/big.json'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigValidationError);
    const issues = (error as ConfigValidationError).issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'config/big/big.json', message: expect.stringMatching(/file is 50 MB .*the limit is 10 MB/) }),
        expect.objectContaining({ file: 'config/flags/flags.json', pointer: '/checkout/newFlow', line: 1 }),
        expect.objectContaining({ file: 'config/tokens/tokens.json', pointer: '/a/$value' }),
      ]),
    );
  });
});

describe('tokens diff', () => {
  it('lists added, removed and changed resolved values with colour swatches', () => {
    const before = { color: { $type: 'color', a: { $value: '#ff0000' }, b: { $value: '#00ff00' }, link: { $value: '{color.a}' } } } as JsonValue;
    const after = { color: { $type: 'color', a: { $value: '#0000ff' }, c: { $value: '#123456' }, link: { $value: '{color.a}' } } } as JsonValue;
    const diff = diffTokens(before, after);
    expect(diff.added.map((change) => change.name)).toEqual(['color.c']);
    expect(diff.removed.map((change) => change.name)).toEqual(['color.b']);
    expect(diff.changed.map((change) => change.name)).toEqual(['color.a', 'color.link']);
    const markdown = renderDiffMarkdown(diff);
    expect(markdown).toContain('1 added, 1 removed, 2 changed');
    expect(markdown).toContain('| changed | `color.a` | color | `#ff0000` | `#0000ff` |');
  });
});
