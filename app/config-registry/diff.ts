/**
 * What a new version of an artifact changes, for people: tokens added, removed and changed (with
 * colour swatches for colors), other artifacts by JSON pointer. Rendered as Markdown for the job
 * summary and the pull request comment.
 */
import { canonicalJson } from './canonical.js';
import type { JsonValue } from './json.js';
import { resolvedTokensOf } from './tokens.js';

export interface ValueChange {
  /** Token name (tokens) or JSON pointer (other artifacts). */
  name: string;
  type?: string;
  before?: JsonValue;
  after?: JsonValue;
}

export interface ArtifactDiff {
  added: ValueChange[];
  removed: ValueChange[];
  changed: ValueChange[];
}

export function isEmptyDiff(diff: ArtifactDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length === 0;
}

function flatten(value: JsonValue, pointer: string, out: Map<string, JsonValue>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) flatten(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
  } else {
    out.set(pointer === '' ? '/' : pointer, value);
  }
}

function diffMaps(before: Map<string, { type?: string; value: JsonValue }>, after: Map<string, { type?: string; value: JsonValue }>): ArtifactDiff {
  const diff: ArtifactDiff = { added: [], removed: [], changed: [] };
  for (const [name, next] of after) {
    const previous = before.get(name);
    if (!previous) diff.added.push({ name, type: next.type, after: next.value });
    else if (canonicalJson(previous.value) !== canonicalJson(next.value) || previous.type !== next.type) diff.changed.push({ name, type: next.type, before: previous.value, after: next.value });
  }
  for (const [name, previous] of before) if (!after.has(name)) diff.removed.push({ name, type: previous.type, before: previous.value });
  const byName = (a: ValueChange, b: ValueChange) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  diff.added.sort(byName);
  diff.removed.sort(byName);
  diff.changed.sort(byName);
  return diff;
}

/** Resolved token values compared by name; `before` is null for a first publish. */
export function diffTokens(before: JsonValue | null, after: JsonValue): ArtifactDiff {
  const map = (content: JsonValue | null) =>
    new Map([...(content === null ? [] : resolvedTokensOf(content))].map(([name, token]) => [name, { type: token.type as string, value: token.value }]));
  return diffMaps(map(before), map(after));
}

/** Leaf values compared by JSON pointer. */
export function diffJson(before: JsonValue | null, after: JsonValue): ArtifactDiff {
  const map = (content: JsonValue | null) => {
    const flat = new Map<string, JsonValue>();
    if (content !== null) flatten(content, '', flat);
    return new Map([...flat].map(([name, value]) => [name, { value }]));
  };
  return diffMaps(map(before), map(after));
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function hexOf(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(value)) return value;
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.hex === 'string') return value.hex;
  return undefined;
}

/** A colour swatch GitHub renders in Markdown: an inline-code hex value. */
function renderValue(value: JsonValue | undefined, type: string | undefined): string {
  if (value === undefined) return '';
  const hex = type === 'color' ? hexOf(value) : undefined;
  if (hex) return `\`${hex.length === 4 || hex.length === 7 ? hex : hex.slice(0, 7)}\`${hex.length === 5 || hex.length === 9 ? ` (alpha ${hex.slice(-(hex.length === 5 ? 1 : 2))})` : ''}`;
  const text = typeof value === 'string' ? value : canonicalJson(value);
  return `\`${escapeCell(text.length > 120 ? `${text.slice(0, 117)}...` : text)}\``;
}

/** A Markdown table of the changes; `limit` rows at most, the rest counted. */
export function renderDiffMarkdown(diff: ArtifactDiff, options: { limit?: number } = {}): string {
  if (isEmptyDiff(diff)) return '_No value changes._\n';
  const limit = options.limit ?? 200;
  const rows: string[] = [];
  const push = (change: ValueChange, kind: string) => {
    rows.push(`| ${kind} | \`${escapeCell(change.name)}\` | ${change.type ?? ''} | ${renderValue(change.before, change.type)} | ${renderValue(change.after, change.type)} |`);
  };
  diff.added.forEach((change) => push(change, 'added'));
  diff.removed.forEach((change) => push(change, 'removed'));
  diff.changed.forEach((change) => push(change, 'changed'));
  const shown = rows.slice(0, limit);
  const lines = [
    `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`,
    '',
    '| change | name | type | before | after |',
    '|---|---|---|---|---|',
    ...shown,
  ];
  if (rows.length > shown.length) lines.push('', `_${rows.length - shown.length} more not shown._`);
  return `${lines.join('\n')}\n`;
}
