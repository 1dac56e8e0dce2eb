/**
 * Design tokens in the W3C Design Tokens Community Group format: nested groups, tokens with
 * `$value` (and `$type`, inherited from the nearest group that sets it, `$description`,
 * `$deprecated`, `$extensions`), aliases `"{group.token}"` anywhere a value may stand, resolved
 * with cycle detection and checked against the type where they land.
 */
import { z } from 'zod';
import type { ConfigIssue } from './errors.js';
import { pointerOf } from './errors.js';
import type { JsonValue, ParsedJson } from './json.js';

export const TOKEN_TYPES = [
  'color',
  'dimension',
  'fontFamily',
  'fontWeight',
  'duration',
  'cubicBezier',
  'number',
  'strokeStyle',
  'border',
  'transition',
  'shadow',
  'gradient',
  'typography',
] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

const ALIAS = /^\{([^{}]+)\}$/;
export function aliasTarget(value: unknown): string | undefined {
  return typeof value === 'string' ? ALIAS.exec(value)?.[1] : undefined;
}

const aliasString = z.string().regex(ALIAS, 'an alias is "{group.token}"');
/** A value of the type, or an alias to a token of that type (checked after resolution). */
const orAlias = <T extends z.ZodType>(schema: T) => z.union([aliasString, schema]);

const HEX_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
const COLOR_SPACES = ['srgb', 'srgb-linear', 'hsl', 'hwb', 'lab', 'lch', 'oklab', 'oklch', 'display-p3', 'a98-rgb', 'prophoto-rgb', 'rec2020', 'xyz-d65', 'xyz-d50'] as const;
const color = z.union([
  z.string().regex(HEX_COLOR, 'a color is a hex string (#rgb, #rgba, #rrggbb, #rrggbbaa) or {colorSpace, components}'),
  z.strictObject({
    colorSpace: z.enum(COLOR_SPACES),
    components: z.array(z.union([z.number(), z.literal('none')])).length(3),
    alpha: z.number().min(0).max(1).optional(),
    hex: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
  }),
]);
const dimension = z.union([
  z.string().regex(/^-?\d+(?:\.\d+)?(?:px|rem)$/, 'a dimension is a number with px or rem ("16px", "1.5rem") or {value, unit}'),
  z.strictObject({ value: z.number(), unit: z.enum(['px', 'rem']) }),
]);
const fontFamily = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const FONT_WEIGHT_NAMES = [
  'thin', 'hairline', 'extra-light', 'ultra-light', 'light', 'normal', 'regular', 'book', 'medium',
  'semi-bold', 'demi-bold', 'bold', 'extra-bold', 'ultra-bold', 'black', 'heavy', 'extra-black', 'ultra-black',
] as const;
const fontWeight = z.union([z.number().min(1).max(1000), z.enum(FONT_WEIGHT_NAMES)]);
const duration = z.union([
  z.string().regex(/^\d+(?:\.\d+)?(?:ms|s)$/, 'a duration is a number with ms or s ("200ms") or {value, unit}'),
  z.strictObject({ value: z.number().min(0), unit: z.enum(['ms', 's']) }),
]);
const cubicBezier = z
  .tuple([z.number().min(0).max(1), z.number(), z.number().min(0).max(1), z.number()])
  .describe('[x1, y1, x2, y2] with x1 and x2 between 0 and 1');
const number = z.number();
const strokeStyle = z.union([
  z.enum(['solid', 'dashed', 'dotted', 'double', 'groove', 'ridge', 'outset', 'inset']),
  z.strictObject({ dashArray: z.array(orAlias(dimension)).min(1), lineCap: z.enum(['round', 'butt', 'square']) }),
]);
const border = z.strictObject({ color: orAlias(color), width: orAlias(dimension), style: orAlias(strokeStyle) });
const transition = z.strictObject({ duration: orAlias(duration), delay: orAlias(duration), timingFunction: orAlias(cubicBezier) });
const shadowLayer = z.strictObject({
  color: orAlias(color),
  offsetX: orAlias(dimension),
  offsetY: orAlias(dimension),
  blur: orAlias(dimension),
  spread: orAlias(dimension),
  inset: z.boolean().optional(),
});
const shadow = z.union([shadowLayer, z.array(shadowLayer).min(1)]);
const gradient = z.array(z.strictObject({ color: orAlias(color), position: orAlias(z.number().min(0).max(1)) })).min(1);
const typography = z.strictObject({
  fontFamily: orAlias(fontFamily),
  fontSize: orAlias(dimension),
  fontWeight: orAlias(fontWeight),
  letterSpacing: orAlias(dimension),
  lineHeight: orAlias(number),
});

/** The value schema of each type; composite types accept aliases in their fields. */
export const TOKEN_VALUE_SCHEMAS: Record<TokenType, z.ZodType> = {
  color,
  dimension,
  fontFamily,
  fontWeight,
  duration,
  cubicBezier,
  number,
  strokeStyle,
  border,
  transition,
  shadow,
  gradient,
  typography,
};

/** The type a field of a composite value must have, for aliases inside composite values. */
const FIELD_TYPES: Partial<Record<TokenType, Record<string, TokenType>>> = {
  border: { color: 'color', width: 'dimension', style: 'strokeStyle' },
  transition: { duration: 'duration', delay: 'duration', timingFunction: 'cubicBezier' },
  shadow: { color: 'color', offsetX: 'dimension', offsetY: 'dimension', blur: 'dimension', spread: 'dimension' },
  gradient: { color: 'color', position: 'number' },
  typography: { fontFamily: 'fontFamily', fontSize: 'dimension', fontWeight: 'fontWeight', letterSpacing: 'dimension', lineHeight: 'number' },
  strokeStyle: { dashArray: 'dimension' },
};

const TOKEN_PROPERTIES = new Set(['$value', '$type', '$description', '$deprecated', '$extensions']);
const GROUP_PROPERTIES = new Set(['$type', '$description', '$deprecated', '$extensions']);

export interface ResolvedToken {
  /** Dot path, e.g. `color.brand.primary`. */
  name: string;
  type: TokenType;
  /** The value with every alias replaced by what it points to. */
  value: JsonValue;
  /** The alias as written, when the whole value is one. */
  aliasOf?: string;
  description?: string;
  pointer: string;
}

export interface TokensValidation {
  tokens: Map<string, ResolvedToken>;
  issues: ConfigIssue[];
}

interface RawToken {
  name: string;
  path: string[];
  /** Explicit or inherited; undefined for an untyped alias until it is resolved. */
  type: string | undefined;
  raw: JsonValue;
  description?: string;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function zodMessage(error: z.ZodError): { path: Array<string | number>; message: string } {
  const issue = error.issues[0];
  if (!issue) return { path: [], message: 'invalid value' };
  if (issue.code === 'invalid_union') {
    // Prefer the branch that is not the alias string: its message says what the type wants.
    const nested = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
    const branch = [...nested].reverse().find((issues) => issues.length > 0 && !issues.some((inner) => inner.message.includes('alias')));
    const inner = branch?.[0];
    if (inner) return { path: [...issue.path, ...inner.path].map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)), message: inner.message };
  }
  return { path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)), message: issue.message };
}

/** Validates and resolves a parsed tokens file. */
export function validateTokens(parsed: ParsedJson): TokensValidation {
  const issues: ConfigIssue[] = [];
  const issue = (path: ReadonlyArray<string | number>, message: string) => {
    const pointer = pointerOf(path);
    const at = parsed.positions.get(pointer);
    issues.push({ file: parsed.file, pointer, line: at?.line, column: at?.column, message });
  };
  const raw = new Map<string, RawToken>();

  const walk = (node: JsonValue, path: string[], inheritedType: string | undefined) => {
    if (!isObject(node)) {
      issue(path, 'must be a group (an object) or a token (an object with $value)');
      return;
    }
    if ('$value' in node) {
      for (const key of Object.keys(node)) if (!TOKEN_PROPERTIES.has(key)) issue([...path, key], key.startsWith('$') ? `unknown token property ${key}` : 'a token cannot contain tokens or groups');
      const type = node.$type ?? inheritedType;
      if (node.$type !== undefined && typeof node.$type !== 'string') issue([...path, '$type'], '$type must be a string');
      if (node.$description !== undefined && typeof node.$description !== 'string') issue([...path, '$description'], '$description must be a string');
      raw.set(path.join('.'), {
        name: path.join('.'),
        path,
        type: typeof type === 'string' ? type : undefined,
        raw: node.$value as JsonValue,
        description: typeof node.$description === 'string' ? node.$description : undefined,
      });
      return;
    }
    const groupType = node.$type;
    if (groupType !== undefined && typeof groupType !== 'string') issue([...path, '$type'], '$type must be a string');
    for (const [key, child] of Object.entries(node)) {
      if (key.startsWith('$')) {
        if (!GROUP_PROPERTIES.has(key)) issue([...path, key], `unknown group property ${key}`);
        continue;
      }
      if (/[{}.]/.test(key)) {
        issue([...path, key], `name ${JSON.stringify(key)} must not contain "{", "}" or "."`);
        continue;
      }
      walk(child, [...path, key], typeof groupType === 'string' ? groupType : inheritedType);
    }
  };
  walk(parsed.value, [], undefined);

  // Types first: an unknown type is reported where it is written.
  for (const token of raw.values()) {
    if (token.type !== undefined && !(TOKEN_TYPES as readonly string[]).includes(token.type)) {
      issue([...token.path, '$type'], `unknown type ${JSON.stringify(token.type)} (one of: ${TOKEN_TYPES.join(', ')})`);
      token.type = 'invalid';
    }
  }

  const resolved = new Map<string, ResolvedToken>();
  const failed = new Set<string>();

  /** The token's type and resolved value, following aliases; undefined after reporting a problem. */
  const resolve = (name: string, chain: string[]): ResolvedToken | undefined => {
    const done = resolved.get(name);
    if (done) return done;
    if (failed.has(name)) return undefined;
    const token = raw.get(name) as RawToken;
    const valuePath = [...token.path, '$value'];
    if (chain.includes(name)) {
      const cycle = [...chain.slice(chain.indexOf(name)), name];
      issue(valuePath, `alias cycle: ${cycle.map((step) => `{${step}}`).join(' → ')}`);
      failed.add(name);
      return undefined;
    }
    if (token.type === 'invalid') {
      failed.add(name);
      return undefined;
    }
    const target = aliasTarget(token.raw);
    if (target !== undefined) {
      const referenced = followAlias(target, valuePath, [...chain, name]);
      if (!referenced) {
        failed.add(name);
        return undefined;
      }
      if (token.type !== undefined && referenced.type !== token.type) {
        issue(valuePath, `alias {${target}} is a ${referenced.type} token; this token is a ${token.type}`);
        failed.add(name);
        return undefined;
      }
      const result: ResolvedToken = { name, type: referenced.type, value: referenced.value, aliasOf: target, description: token.description, pointer: pointerOf(valuePath) };
      resolved.set(name, result);
      return result;
    }
    if (token.type === undefined) {
      issue(token.path, 'no $type: set it on the token or a group above it (or make the value an alias)');
      failed.add(name);
      return undefined;
    }
    const type = token.type as TokenType;
    const checked = TOKEN_VALUE_SCHEMAS[type].safeParse(token.raw);
    if (!checked.success) {
      const { path, message } = zodMessage(checked.error);
      issue([...valuePath, ...path], `invalid ${type}: ${message}`);
      failed.add(name);
      return undefined;
    }
    const value = resolveInner(token.raw, type, valuePath, [...chain, name]);
    if (value === undefined) {
      failed.add(name);
      return undefined;
    }
    const result: ResolvedToken = { name, type, value, description: token.description, pointer: pointerOf(valuePath) };
    resolved.set(name, result);
    return result;
  };

  const followAlias = (target: string, at: Array<string | number>, chain: string[]): ResolvedToken | undefined => {
    if (!raw.has(target)) {
      issue(at, `alias {${target}} points to no token`);
      return undefined;
    }
    return resolve(target, chain);
  };

  /** Replaces aliases inside a composite value, checking each lands on the field's type. */
  const resolveInner = (value: JsonValue, type: TokenType, at: Array<string | number>, chain: string[]): JsonValue | undefined => {
    const fields = FIELD_TYPES[type];
    if (!fields) return value;
    let ok = true;
    const visit = (node: JsonValue, path: Array<string | number>, fieldType: TokenType | undefined): JsonValue => {
      const target = aliasTarget(node);
      if (target !== undefined && fieldType !== undefined) {
        const referenced = followAlias(target, path, chain);
        if (!referenced) {
          ok = false;
          return node;
        }
        if (referenced.type !== fieldType) {
          issue(path, `alias {${target}} is a ${referenced.type} token; ${String(path[path.length - 1])} needs a ${fieldType}`);
          ok = false;
          return node;
        }
        return referenced.value;
      }
      if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index], fieldType));
      if (isObject(node)) {
        const out: { [key: string]: JsonValue } = {};
        for (const [key, child] of Object.entries(node)) out[key] = visit(child, [...path, key], fields[key] ?? fieldType);
        return out;
      }
      return node;
    };
    const out = visit(value, at, undefined);
    return ok ? out : undefined;
  };

  for (const name of raw.keys()) resolve(name, []);
  const tokens = new Map([...resolved.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { tokens, issues };
}

/** The resolved tokens of stored content (already valid), for diffs. */
export function resolvedTokensOf(content: JsonValue, file = 'tokens.json'): Map<string, ResolvedToken> {
  return validateTokens({ file, value: content, positions: new Map() }).tokens;
}
