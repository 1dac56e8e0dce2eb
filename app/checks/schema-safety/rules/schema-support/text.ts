import { scanSync } from 'libpg-query';
import type { Fix } from '../../../types.js';
import { scanTokens } from '../../sql/tokens.js';
import type { ParsedMigration, SqlStatement } from '../../types.js';

/** A lexical token of a statement, at character offsets in its file. */
export interface Token {
  start: number;
  end: number;
  text: string;
  /** Lower-case keyword (`table`, `if`, ...) or undefined for identifiers, literals and punctuation. */
  keyword?: string;
  /** libpg-query's token name: `IDENT`, `SCONST`, `ICONST`, `ASCII_44` (`,`), ... */
  name: string;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

interface FileIndex {
  lineStarts: number[];
  /** For non-ASCII files: the UTF-8 byte offset of each line start. */
  lineByteStarts?: number[];
}

const fileIndexes = new WeakMap<ParsedMigration, FileIndex>();

function indexOf(file: ParsedMigration): FileIndex {
  let index = fileIndexes.get(file);
  if (!index) {
    const lineStarts = [0];
    for (let offset = 0; offset < file.text.length; offset += 1) {
      if (file.text.charCodeAt(offset) === 10) lineStarts.push(offset + 1);
    }
    index = { lineStarts };
    if (!ASCII.test(file.text)) {
      const byteStarts = [0];
      for (let line = 1; line < lineStarts.length; line += 1) {
        const previous = lineStarts[line - 1] ?? 0;
        byteStarts.push((byteStarts[line - 1] ?? 0) + Buffer.byteLength(file.text.slice(previous, lineStarts[line]), 'utf8'));
      }
      index.lineByteStarts = byteStarts;
    }
    fileIndexes.set(file, index);
  }
  return index;
}

/** AST `location`s are UTF-8 byte offsets from the start of the file; findings use character offsets. */
export function charOffset(file: ParsedMigration, byteOffset: number): number {
  const { lineStarts, lineByteStarts } = indexOf(file);
  if (!lineByteStarts) return byteOffset;
  // The line holding the byte, then the characters before it on that line.
  let low = 0;
  let high = lineByteStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((lineByteStarts[middle] ?? 0) <= byteOffset) low = middle;
    else high = middle - 1;
  }
  const lineStart = lineStarts[low] ?? 0;
  const lineEnd = lineStarts[low + 1] ?? file.text.length;
  const bytes = Buffer.from(file.text.slice(lineStart, lineEnd), 'utf8');
  return lineStart + bytes.subarray(0, byteOffset - (lineByteStarts[low] ?? 0)).toString('utf8').length;
}

/** The UTF-8 byte offset of a character offset (the inverse of charOffset). */
export function byteOffset(file: ParsedMigration, offset: number): number {
  const { lineStarts, lineByteStarts } = indexOf(file);
  if (!lineByteStarts) return offset;
  const line = lineOf(file, offset);
  const lineStart = lineStarts[line - 1] ?? 0;
  return (lineByteStarts[line - 1] ?? 0) + Buffer.byteLength(file.text.slice(lineStart, offset), 'utf8');
}

/** 1-based line of a character offset. */
export function lineOf(file: ParsedMigration, offset: number): number {
  const { lineStarts } = indexOf(file);
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((lineStarts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

/** Character offsets of a 1-based line: [start, end) without its line break. */
export function lineSpan(file: ParsedMigration, line: number): { start: number; end: number } {
  const { lineStarts } = indexOf(file);
  const start = lineStarts[line - 1] ?? file.text.length;
  const next = lineStarts[line];
  let end = next === undefined ? file.text.length : next - 1;
  if (end > start && file.text[end - 1] === '\r') end -= 1;
  return { start, end };
}

const statementTokens = new WeakMap<SqlStatement, Token[]>();

/** The statement's tokens, comments excluded; empty when the scanner rejects the text. */
export function tokensOf(statement: SqlStatement): Token[] {
  let tokens = statementTokens.get(statement);
  if (tokens) return tokens;
  tokens = [];
  // push, not map(): see lintMigrationFiles.
  for (const token of scanTokens(statement.text)) {
    tokens.push({
      start: statement.start + token.start,
      end: statement.start + token.end,
      text: token.text,
      keyword: token.keywordKind > 0 ? token.text.toLowerCase() : undefined,
      name: token.tokenName,
    });
  }
  statementTokens.set(statement, tokens);
  return tokens;
}

/** Index of the first token at or after a character offset. */
export function tokenIndexAt(tokens: Token[], offset: number): number {
  const index = tokens.findIndex((token) => token.end > offset);
  return index < 0 ? tokens.length : index;
}

/** Finds a run of keywords (`['if', 'not', 'exists']`) from token `from` on; returns the index of its first token or -1. */
export function findKeywords(tokens: Token[], words: string[], from = 0, to = tokens.length): number {
  for (let index = from; index + words.length <= to; index += 1) {
    if (words.every((word, offset) => tokens[index + offset]?.keyword === word)) return index;
  }
  return -1;
}

/**
 * Splits tokens at top-level commas: `alter table t add a int, drop b` gives one segment per
 * command. Returns [from, to) token index pairs.
 */
export function topLevelSegments(tokens: Token[], from = 0): Array<[number, number]> {
  const segments: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let index = from; index < tokens.length; index += 1) {
    const text = tokens[index]?.text;
    if (text === '(' || text === '[') depth += 1;
    else if (text === ')' || text === ']') depth -= 1;
    else if (text === ',' && depth === 0) {
      segments.push([start, index]);
      start = index + 1;
    }
  }
  segments.push([start, tokens.length]);
  return segments;
}

/** Index of the `)` closing the `(` at `open`, or -1. */
export function matchingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let index = open; index < tokens.length; index += 1) {
    const text = tokens[index]?.text;
    if (text === '(') depth += 1;
    else if (text === ')') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return -1;
}

/** The identifier a token spells: unquoted names fold to lower case, `"Quoted"` ones keep case. */
export function identifierOf(token: Token | undefined): string | undefined {
  if (!token) return undefined;
  if (token.text.startsWith('"')) return token.text.slice(1, -1).replace(/""/g, '"');
  if (token.name === 'IDENT' || token.keyword) return token.text.toLowerCase();
  return undefined;
}

/** The first token spelling an identifier, from token `from` on. */
export function findIdentifier(tokens: Token[], name: string, from = 0): number {
  for (let index = from; index < tokens.length; index += 1) {
    if (identifierOf(tokens[index]) === name) return index;
  }
  return -1;
}

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

const quoted = new Map<string, string>();

/** An identifier as SQL: bare when that reads back the same, double-quoted otherwise. */
export function quoteIdent(name: string): string {
  let out = quoted.get(name);
  if (out !== undefined) return out;
  out = `"${name.replace(/"/g, '""')}"`;
  if (SAFE_IDENTIFIER.test(name)) {
    try {
      // Reserved words must stay quoted; the scanner knows which words are.
      const [token, ...rest] = scanSync(name).tokens;
      if (rest.length === 0 && token && (token.keywordKind === 0 || token.keywordKind === 1)) out = name;
    } catch {
      // Quoting is always correct.
    }
  }
  if (quoted.size < 10_000) quoted.set(name, out);
  return out;
}

/** `schema.name` quoted where needed; the schema is left out when absent. */
export function quoteQualified(schema: string | undefined, name: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

/** A SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Replace [start, end) (character offsets in the file) with text. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** Suggested changes replace a statement's whole lines; beyond this size they stop being reviewable. */
const MAX_SUGGESTION_LINES = 15;

function applyEdits(text: string, base: number, edits: TextEdit[]): string {
  let out = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start - base) + edit.text + out.slice(edit.end - base);
  }
  return out;
}

/** The text of lines [startLine, endLine] with the edits applied. */
export function rewriteLines(file: ParsedMigration, startLine: number, endLine: number, edits: TextEdit[]): string {
  const start = lineSpan(file, startLine).start;
  const end = lineSpan(file, endLine).end;
  return applyEdits(file.text.slice(start, end), start, edits);
}

/** A `fix` replacing only the lines the edits touch. */
export function editFix(file: ParsedMigration, edits: TextEdit[], description: string): Fix | undefined {
  if (edits.length === 0) return undefined;
  const startLine = lineOf(file, Math.min(...edits.map((edit) => edit.start)));
  const endLine = lineOf(file, Math.max(...edits.map((edit) => Math.max(edit.start, edit.end - 1))));
  return { kind: 'edit', path: file.path, startLine, endLine, replacement: rewriteLines(file, startLine, endLine, edits), description };
}

/** The replacement for the statement's lines, for a GitHub suggested change; none for long statements. */
export function statementSuggestion(file: ParsedMigration, statement: SqlStatement, edits: TextEdit[]): string | undefined {
  if (edits.length === 0 || statement.endLine - statement.line + 1 > MAX_SUGGESTION_LINES) return undefined;
  return rewriteLines(file, statement.line, statement.endLine, edits);
}

/** Suggestion and fix for a set of edits to one statement. */
export function editsToHit(file: ParsedMigration, statement: SqlStatement, edits: TextEdit[], description: string): { suggestion?: string; fix?: Fix } {
  const out: { suggestion?: string; fix?: Fix } = {};
  const suggestion = statementSuggestion(file, statement, edits);
  if (suggestion !== undefined) out.suggestion = suggestion;
  const fix = editFix(file, edits, description);
  if (fix) out.fix = fix;
  return out;
}

/** Leading whitespace of the statement's first line, to indent inserted statements alike. */
export function indentOf(file: ParsedMigration, statement: SqlStatement): string {
  const { start } = lineSpan(file, statement.line);
  return /^[ \t]*/.exec(file.text.slice(start, statement.start))?.[0] ?? '';
}

/** The character offset just after the statement's terminating `;` (or its end when there is none). */
export function statementTerminatorEnd(file: ParsedMigration, statement: SqlStatement): number {
  const rest = file.text.slice(statement.end);
  const match = /^[ \t]*;/.exec(rest);
  return statement.end + (match ? match[0].length : 0);
}

/** An edit adding SQL on new lines after the statement (after its `;`). */
export function appendAfterStatement(file: ParsedMigration, statement: SqlStatement, sql: string): TextEdit {
  const at = statementTerminatorEnd(file, statement);
  const hasTerminator = at > statement.end;
  const indent = indentOf(file, statement);
  return { start: at, end: at, text: `${hasTerminator ? '' : ';'}\n${indent}${sql}` };
}

/** An edit adding SQL on new lines before the statement. */
export function prependToStatement(file: ParsedMigration, statement: SqlStatement, sql: string): TextEdit {
  const indent = indentOf(file, statement);
  return { start: statement.start, end: statement.start, text: `${sql}\n${indent}` };
}

/** A short, single-line excerpt of SQL for messages. */
export function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Token range [from, to) of the statement's i-th top-level comma-separated part (ALTER TABLE commands, DROP objects). */
export function commandRange(statement: SqlStatement, index: number, count: number): [number, number] | undefined {
  const segments = topLevelSegments(tokensOf(statement));
  return segments.length === count ? segments[index] : undefined;
}

/**
 * Character offset of the first token spelling `name` within a token range (the whole statement by
 * default), searching after the first run of `after` keywords when given.
 */
export function identifierOffset(statement: SqlStatement, name: string, range?: [number, number], after?: string[]): number | undefined {
  const tokens = tokensOf(statement);
  let from = range?.[0] ?? 0;
  const to = range?.[1] ?? tokens.length;
  if (after) {
    const at = findKeywords(tokens, after, from, to);
    if (at >= 0) from = at + after.length;
  }
  const index = findIdentifier(tokens, name, from);
  if (index < 0 || index >= to) return undefined;
  return tokens[index]?.start;
}
