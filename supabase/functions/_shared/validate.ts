// Body validation with a 400 that names the field at fault. The RPCs check everything again (and
// more: the org exists, the version exists); this layer turns wrong shapes into clear answers
// before a connection is used.
import { HttpError } from './http.ts';

type Body = Record<string, unknown>;

function invalid(field: string, problem: string): HttpError {
  return new HttpError(400, 'invalid_argument', `invalid ${field}: ${problem}`, field);
}

function present(body: Body, key: string): boolean {
  return body[key] !== undefined && body[key] !== null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256 = /^[0-9a-f]{64}$/;

export function uuid(body: Body, key: string): string {
  const value = body[key];
  if (!present(body, key)) throw invalid(key, 'is required');
  if (typeof value !== 'string' || !UUID.test(value)) throw invalid(key, 'must be a UUID');
  return value;
}

export function text(body: Body, key: string, options: { required?: boolean; max?: number; pattern?: RegExp; patternHint?: string } = {}): string | undefined {
  if (!present(body, key)) {
    if (options.required) throw invalid(key, 'is required');
    return undefined;
  }
  const value = body[key];
  if (typeof value !== 'string') throw invalid(key, `must be a string, not ${Array.isArray(value) ? 'an array' : typeof value}`);
  if (value.trim() === '') throw invalid(key, 'must not be blank');
  const max = options.max ?? 200;
  if (value.length > max) throw invalid(key, `is ${value.length} characters long; the limit is ${max}`);
  if (options.pattern && !options.pattern.test(value)) throw invalid(key, options.patternHint ?? `does not match ${options.pattern}`);
  return value;
}

export function requiredText(body: Body, key: string, options: { max?: number; pattern?: RegExp; patternHint?: string } = {}): string {
  return text(body, key, { ...options, required: true })!;
}

export function sha256(body: Body, key: string): string | undefined {
  return text(body, key, { max: 64, pattern: SHA256, patternHint: 'must be a SHA-256 digest in lower-case hex (64 characters)' });
}

export function oneOf<T extends string>(body: Body, key: string, allowed: readonly T[]): T | undefined {
  if (!present(body, key)) return undefined;
  const value = body[key];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(key, `${JSON.stringify(value)} is not an allowed value (one of: ${allowed.join(', ')})`);
  }
  return value as T;
}

export function integer(body: Body, key: string, min: number, max: number): number | undefined {
  if (!present(body, key)) return undefined;
  const value = body[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(key, `must be an integer between ${min} and ${max}`);
  return value;
}

export function boolean(body: Body, key: string): boolean | undefined {
  if (!present(body, key)) return undefined;
  const value = body[key];
  if (typeof value !== 'boolean') throw invalid(key, 'must be true or false');
  return value;
}

/** A JSON object or array (config content). */
export function document(body: Body, key: string): unknown {
  if (!present(body, key)) throw invalid(key, 'is required');
  const value = body[key];
  if (typeof value !== 'object') throw invalid(key, `must be a JSON object or array, not ${typeof value}`);
  return value;
}

/** Fields the function does not know are refused rather than ignored: a typo must not pass silently. */
export function noOtherFields(body: Body, known: readonly string[]): void {
  const unknown = Object.keys(body).find((key) => !known.includes(key));
  if (unknown !== undefined) throw invalid(unknown, `is not a field of this request (fields: ${known.join(', ')})`);
}
