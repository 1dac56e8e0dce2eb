/**
 * Canonical JSON: object keys sorted by UTF-16 code units, numbers in their shortest round-trip
 * form (1.0 and 1e0 are both 1), strings escaped as JSON.stringify does, no whitespace. The same
 * content therefore always has the same bytes and the same SHA-256, whatever the file's layout.
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from './json.js';

function canonicalNumber(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalise ${value}: not a JSON number`);
  return Object.is(value, -0) ? '0' : JSON.stringify(value);
}

function write(value: JsonValue, out: string[]): void {
  if (value === null) out.push('null');
  else if (typeof value === 'boolean') out.push(value ? 'true' : 'false');
  else if (typeof value === 'number') out.push(canonicalNumber(value));
  else if (typeof value === 'string') out.push(JSON.stringify(value));
  else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, index) => {
      if (index > 0) out.push(',');
      write(item, out);
    });
    out.push(']');
  } else {
    out.push('{');
    const keys = Object.keys(value).sort();
    keys.forEach((key, index) => {
      if (index > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write(value[key] as JsonValue, out);
    });
    out.push('}');
  }
}

export function canonicalJson(value: JsonValue): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

/** SHA-256 of the canonical JSON, lower-case hex. */
export function contentHash(value: JsonValue): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

/**
 * Bytes of the value as Postgres prints jsonb (`{"a": 1, "b": [1, 2]}`): what
 * ops.publish_config_version compares with the artifact's max_content_bytes.
 */
export function jsonbTextBytes(value: JsonValue): number {
  if (value === null || typeof value !== 'object') return Buffer.byteLength(typeof value === 'number' ? canonicalNumber(value) : JSON.stringify(value), 'utf8');
  if (Array.isArray(value)) return 2 + value.reduce<number>((sum, item, index) => sum + jsonbTextBytes(item) + (index > 0 ? 2 : 0), 0);
  const keys = Object.keys(value);
  return 2 + keys.reduce<number>((sum, key, index) => sum + Buffer.byteLength(JSON.stringify(key), 'utf8') + 2 + jsonbTextBytes(value[key] as JsonValue) + (index > 0 ? 2 : 0), 0);
}
