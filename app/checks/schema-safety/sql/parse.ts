import { loadModule, parseSync, scanSync } from 'libpg-query';
import type { ParsedMigration, PgNode, SqlProblem, SqlStatement, Waiver } from '../types.js';

let ready: Promise<void> | undefined;

/** libpg-query is WASM: it must be loaded once before any synchronous parse. */
export function ensureParser(): Promise<void> {
  ready ??= loadModule();
  return ready;
}

interface Token {
  start: number;
  end: number;
  text: string;
  tokenName: string;
}

interface RawStatement {
  stmt: PgNode;
  stmt_location?: number;
  stmt_len?: number;
}

const WAIVER = /^--\s*platform-kit-ignore\b(.*)$/i;
const META_COMMAND = /^[ \t]*\\[A-Za-z!?]/;

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** Offsets from libpg-query are UTF-8 byte offsets; JavaScript strings index UTF-16 code units. */
class OffsetMap {
  private readonly ascii: boolean;
  private bytes: Buffer | undefined;
  private lineStarts: number[] | undefined;

  constructor(readonly text: string) {
    this.ascii = !NON_ASCII.test(text);
  }

  charOffset(byteOffset: number): number {
    if (this.ascii) return byteOffset;
    this.bytes ??= Buffer.from(this.text, 'utf8');
    return this.bytes.subarray(0, byteOffset).toString('utf8').length;
  }

  /** 1-based line and column of a character offset. */
  position(offset: number): { line: number; column: number } {
    const lineStarts = (this.lineStarts ??= lineStartsOf(this.text));
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 };
  }
}

function lineStartsOf(text: string): number[] {
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) lineStarts.push(index + 1);
  return lineStarts;
}

/**
 * Rules ask for positions in the same few files over and over (one per finding); the maps of the
 * files seen last are kept rather than rebuilt per call.
 */
const recentMaps: OffsetMap[] = [];
const RECENT_MAPS = 4;

function offsetMapOf(text: string): OffsetMap {
  for (const map of recentMaps) if (map.text === text) return map;
  const map = new OffsetMap(text);
  if (recentMaps.unshift(map) > RECENT_MAPS) recentMaps.pop();
  return map;
}

/** Blanks psql meta-commands (`\i file`, `\set x 1`) so the SQL parser sees only SQL; positions are kept. */
function blankMetaCommands(text: string, map: OffsetMap): { sql: string; metaCommands: SqlProblem[] } {
  const metaCommands: SqlProblem[] = [];
  if (!text.includes('\\')) return { sql: text, metaCommands };
  let inDollarQuote: string | null = null;
  let offset = 0;
  const lines = text.split('\n');
  const out = lines.map((line) => {
    const lineStart = offset;
    offset += line.length + 1;
    if (inDollarQuote === null && META_COMMAND.test(line)) {
      const { line: lineNumber } = map.position(lineStart);
      metaCommands.push({ line: lineNumber, column: line.indexOf('\\') + 1, message: line.trim() });
      return ' '.repeat(line.length);
    }
    for (const match of line.matchAll(/\$[A-Za-z_]*\$/g)) {
      if (inDollarQuote === null) inDollarQuote = match[0];
      else if (match[0] === inDollarQuote) inDollarQuote = null;
    }
    return line;
  });
  return { sql: out.join('\n'), metaCommands };
}

function scanTokens(sql: string, map: OffsetMap): Token[] {
  try {
    return scanSync(sql).tokens.map((token) => ({
      start: map.charOffset(token.start),
      end: map.charOffset(token.end),
      text: token.text,
      tokenName: token.tokenName,
    }));
  } catch {
    return [];
  }
}

const isComment = (token: Token) => token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT';

function parseWaiver(comment: Token, map: OffsetMap): { waiver?: Waiver; problem?: SqlProblem } {
  const match = WAIVER.exec(comment.text);
  if (!match) return {};
  const { line, column } = map.position(comment.start);
  const rest = (match[1] ?? '').trim();
  const colon = rest.indexOf(':');
  const rulesPart = colon >= 0 ? rest.slice(0, colon) : rest;
  const reason = colon >= 0 ? rest.slice(colon + 1).trim() : '';
  const rules = rulesPart
    .split(/[,\s]+/)
    .map((rule) => rule.trim())
    .filter(Boolean);
  if (rules.length === 0) {
    return { problem: { line, column, message: 'platform-kit-ignore names no rule: write `-- platform-kit-ignore <rule>: <reason>`' } };
  }
  if (!reason) {
    return { problem: { line, column, message: `platform-kit-ignore ${rules.join(', ')} gives no reason: write \`-- platform-kit-ignore ${rules.join(', ')}: <why this is safe>\`` } };
  }
  return { waiver: { rules, reason, line } };
}

interface Located {
  node: PgNode;
  start: number;
  end: number;
}

/** Statement spans in characters, starting at their first token rather than after the previous `;`. */
function locateStatements(raw: RawStatement[], sql: string, map: OffsetMap, tokens: Token[] | undefined, baseByte = 0): Located[] {
  const located: Located[] = [];
  let cursor = 0;
  for (const entry of raw) {
    const startByte = baseByte + (entry.stmt_location ?? 0);
    const endByte = entry.stmt_len === undefined || entry.stmt_len === 0 ? Buffer.byteLength(sql, 'utf8') : startByte + entry.stmt_len;
    let start = map.charOffset(startByte);
    const end = map.charOffset(endByte);
    if (tokens === undefined) {
      start = firstTokenAt(sql, start, end);
    } else {
      // Statements come in file order, so one cursor walks the tokens once.
      while (cursor < tokens.length && (tokens[cursor]?.start ?? 0) < start) cursor += 1;
      let first: Token | undefined;
      for (let index = cursor; index < tokens.length; index += 1) {
        const token = tokens[index]!;
        if (token.start >= end) break;
        if (!isComment(token)) {
          first = token;
          break;
        }
      }
      if (first) start = first.start;
      else while (start < end && /\s/.test(sql[start] ?? '')) start += 1;
    }
    located.push({ node: entry.stmt, start, end });
  }
  return located;
}

/** The character code at `index`, or -1 past the end (charCodeAt's NaN there sends compiled code back to the interpreter). */
const codeAt = (text: string, index: number): number => (index < text.length ? text.charCodeAt(index) : -1);

/**
 * The first token at or after `from`: skips what PostgreSQL's lexer skips between statements
 * (its whitespace, `--` comments and nested `/* *\/` comments), without scanning the file.
 */
function firstTokenAt(sql: string, from: number, end: number): number {
  let at = from;
  while (at < end) {
    const code = codeAt(sql, at);
    // space, \t, \n, \v, \f, \r
    if (code === 32 || (code >= 9 && code <= 13)) {
      at += 1;
    } else if (code === 45 && codeAt(sql, at + 1) === 45) {
      at += 2;
      while (at < sql.length && codeAt(sql, at) !== 10 && codeAt(sql, at) !== 13) at += 1;
    } else if (code === 47 && codeAt(sql, at + 1) === 42) {
      let depth = 1;
      at += 2;
      while (at < sql.length && depth > 0) {
        if (codeAt(sql, at) === 47 && codeAt(sql, at + 1) === 42) {
          depth += 1;
          at += 2;
        } else if (codeAt(sql, at) === 42 && codeAt(sql, at + 1) === 47) {
          depth -= 1;
          at += 2;
        } else {
          at += 1;
        }
      }
    } else {
      return at;
    }
  }
  // Only comments: cannot happen for a parsed statement; kept as the scanner-based path behaves.
  at = from;
  while (at < end && /\s/.test(sql[at] ?? '')) at += 1;
  return at;
}

interface ParseFailure {
  message: string;
  offset: number;
}

function tryParse(sql: string): { stmts: RawStatement[] } | { failure: ParseFailure } {
  try {
    const result = parseSync(sql) as { stmts?: RawStatement[] };
    return { stmts: result.stmts ?? [] };
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number; message?: string } }).sqlDetails;
    const message = details?.message ?? (error instanceof Error ? error.message : String(error));
    return { failure: { message, offset: details?.cursorPosition ?? 0 } };
  }
}

/**
 * When the whole file does not parse, the statements before the broken one are still worth
 * checking: find the first top-level `;`-separated chunk that fails, then parse everything before it
 * in one piece so node locations stay relative to the start of the file.
 */
function parseUpToError(sql: string, map: OffsetMap, tokens: Token[]): { located: Located[]; failure: ParseFailure } {
  const boundaries = tokens.filter((token) => token.text === ';').map((token) => token.end);
  boundaries.push(sql.length);
  let chunkStart = 0;
  let failure: ParseFailure = { message: 'syntax error', offset: sql.length };
  for (const boundary of boundaries) {
    const chunk = sql.slice(chunkStart, boundary);
    const parsed = tryParse(chunk);
    if ('failure' in parsed) {
      failure = { message: parsed.failure.message, offset: chunkStart + new OffsetMap(chunk).charOffset(parsed.failure.offset) };
      break;
    }
    chunkStart = boundary;
  }
  const prefix = sql.slice(0, chunkStart);
  const parsedPrefix = tryParse(prefix);
  const located = 'stmts' in parsedPrefix ? locateStatements(parsedPrefix.stmts, prefix, map, tokens) : [];
  return { located, failure };
}

/** Only a file mentioning a waiver needs its comments, and so the scanner, when it parses. */
const MAY_HOLD_WAIVER = /platform-kit-ignore/i;
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;

/** Parses one migration file: statements with positions, waivers, meta-commands and the first syntax error. */
export function parseMigration(path: string, text: string): ParsedMigration {
  const map = offsetMapOf(text);
  const { sql, metaCommands } = blankMetaCommands(text, map);

  let located: Located[];
  let syntaxError: SqlProblem | undefined;
  let tokens: Token[] = [];
  const parsed = tryParse(sql);
  if ('stmts' in parsed) {
    // The scanner-based path stays where its result differs: blanking a meta-command holding non-ASCII
    // text shifts byte offsets, and the scanner fails on control characters (its JSON leaves them raw).
    const needsTokens = MAY_HOLD_WAIVER.test(sql) || (metaCommands.length > 0 && NON_ASCII.test(text)) || RAW_CONTROL.test(sql);
    if (needsTokens) tokens = scanTokens(sql, map);
    located = locateStatements(parsed.stmts, sql, map, needsTokens ? tokens : undefined);
  } else {
    tokens = scanTokens(sql, map);
    const partial = parseUpToError(sql, map, tokens);
    located = partial.located;
    const position = map.position(Math.min(partial.failure.offset, Math.max(text.length - 1, 0)));
    syntaxError = { ...position, message: partial.failure.message };
  }

  const invalidWaivers: SqlProblem[] = [];
  const comments = tokens.filter(isComment);
  let previousEnd = 0;
  // Filled by push, so every file's list has the same elements kind whichever tier built it (a
  // JIT-compiled map() makes holey arrays): the rules iterating it then stay optimized.
  const statements: SqlStatement[] = [];
  for (let index = 0; index < located.length; index += 1) {
    const entry = located[index]!;
    const waivers: Waiver[] = [];
    for (const comment of comments) {
      if (comment.start < previousEnd || comment.start >= entry.start) continue;
      const { waiver, problem } = parseWaiver(comment, map);
      if (waiver) waivers.push(waiver);
      if (problem) invalidWaivers.push(problem);
    }
    previousEnd = entry.end;
    const start = map.position(entry.start);
    const trimmedEnd = sql.slice(entry.start, entry.end).trimEnd().length + entry.start;
    statements.push({
      index,
      text: sql.slice(entry.start, trimmedEnd),
      start: entry.start,
      end: trimmedEnd,
      line: start.line,
      column: start.column,
      endLine: map.position(Math.max(trimmedEnd - 1, entry.start)).line,
      node: entry.node,
      kind: Object.keys(entry.node)[0] ?? 'Unknown',
      waivers,
    });
  }
  for (const comment of comments) {
    if (comment.start < previousEnd) continue;
    const { waiver, problem } = parseWaiver(comment, map);
    if (problem) invalidWaivers.push(problem);
    else if (waiver && !syntaxError) {
      invalidWaivers.push({ line: waiver.line, column: 1, message: `platform-kit-ignore ${waiver.rules.join(', ')} is followed by no statement` });
    }
  }

  return { path, text, statements, syntaxError, metaCommands, invalidWaivers };
}

/** Line and column of a character offset in a file, for findings inside a statement. */
export function positionIn(text: string, offset: number): { line: number; column: number } {
  return offsetMapOf(text).position(offset);
}

/** libpg-query reports node `location`s as byte offsets into the parsed text; this converts them. */
export function charOffsetOf(text: string, byteOffset: number): number {
  return offsetMapOf(text).charOffset(byteOffset);
}
