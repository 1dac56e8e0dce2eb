import { parseSync } from 'libpg-query';
import type { Fix } from '../../../types.js';
import { formatVersion, versionTime } from '../../hygiene/versions.js';
import { scanTokens } from '../../sql/tokens.js';
import type { MigrationRuleContext, ParsedMigration, SqlStatement } from '../../types.js';

/** The text on the statement's first line before it, and on its last line after it (`;`, a comment, another statement). */
function surroundings(file: ParsedMigration, statement: SqlStatement): { prefix: string; suffix: string } {
  const lineStart = file.text.lastIndexOf('\n', statement.start - 1) + 1;
  let lineEnd = file.text.indexOf('\n', statement.end);
  if (lineEnd < 0) lineEnd = file.text.length;
  if (file.text[lineEnd - 1] === '\r') lineEnd -= 1;
  return { prefix: file.text.slice(lineStart, statement.start), suffix: file.text.slice(statement.end, Math.max(lineEnd, statement.end)) };
}

/** Replacement text for the statement's whole lines, with `replacement` standing in for the statement. */
export function replaceStatement(file: ParsedMigration, statement: SqlStatement, replacement: string): string {
  const { prefix, suffix } = surroundings(file, statement);
  return `${prefix}${replacement}${suffix}`;
}

/** Replacement text for the statement's whole lines without the statement (and its `;`). */
export function removeStatement(file: ParsedMigration, statement: SqlStatement): string {
  const { prefix, suffix } = surroundings(file, statement);
  const rest = suffix.replace(/^\s*;/, '');
  if (prefix.trim() === '' && rest.trim() === '') return '';
  return `${prefix.trimEnd()}${rest.trim() ? ` ${rest.trim()}` : ''}`;
}

/** A text edit of the statement's lines, the `--fix` twin of a suggestion. */
export function editFix(file: ParsedMigration, statement: SqlStatement, replacement: string, description: string): Fix {
  return { kind: 'edit', path: file.path, startLine: statement.line, endLine: statement.endLine, replacement, description };
}

interface TextToken {
  start: number;
  end: number;
  text: string;
  upper: string;
  keywordKind: number;
}

/** Tokens of a statement's text with character offsets (libpg-query's scanner reports bytes). */
export function tokensOf(text: string): TextToken[] {
  const cached = tokenCache.get(text);
  if (cached) return cached;
  const tokens = scanTextTokens(text);
  if (tokenCache.size > 500) tokenCache.clear();
  tokenCache.set(text, tokens);
  return tokens;
}

const tokenCache = new Map<string, TextToken[]>();

function scanTextTokens(text: string): TextToken[] {
  const tokens: TextToken[] = [];
  // push, not map(): see lintMigrationFiles.
  for (const token of scanTokens(text)) tokens.push({ start: token.start, end: token.end, text: token.text, upper: token.text.toUpperCase(), keywordKind: token.keywordKind });
  return tokens;
}

/** Inserts `insertion` right after the first token equal to `keyword` (case-insensitive); undefined when absent. */
export function insertAfterKeyword(text: string, keyword: string, insertion: string): string | undefined {
  const token = tokensOf(text).find((candidate) => candidate.upper === keyword);
  if (!token) return undefined;
  return `${text.slice(0, token.end)}${insertion}${text.slice(token.end)}`;
}

/** Removes the first token equal to `keyword` and the blank before it. */
export function removeKeyword(text: string, keyword: string): string | undefined {
  const token = tokensOf(text).find((candidate) => candidate.upper === keyword);
  if (!token) return undefined;
  const before = text.slice(0, token.start).replace(/[ \t]+$/, '');
  const after = text.slice(token.end).replace(/^[ \t]+/, '');
  if (after === '') return before.trimEnd();
  return `${before}${before.endsWith('\n') || after.startsWith('\n') ? '' : ' '}${after}`;
}

const VERSIONED = /^(.*\/)?(\d{14})_([^/]*)\.sql$/;

export interface FollowUpFile {
  path: string;
  version: string;
}

/**
 * A new migration file that runs right after `file`, for SQL that must not share its transaction:
 * `CREATE INDEX CONCURRENTLY` alone in a file, `VALIDATE CONSTRAINT` after the `NOT VALID` commit.
 * Its version is the file's own plus (statement index + 1) seconds, so several follow-ups of one file
 * keep the statements' order whichever rule asks first. Undefined when the file name carries no
 * version or the slot would collide with, or pass, another migration of the change.
 */
export function followUpFile(file: ParsedMigration, ctx: MigrationRuleContext, statement: SqlStatement, name: string): FollowUpFile | undefined {
  const match = VERSIONED.exec(file.path);
  if (!match) return undefined;
  const [, directory = '', version = ''] = match;
  const start = versionTime(version);
  if (!start) return undefined;
  const candidate = formatVersion(new Date(start.getTime() + (statement.index + 1) * 1000));
  // The next version of the change after this file's must sort after the follow-up.
  const next = changeVersions(ctx).find((other) => other > version);
  if (next !== undefined && next <= candidate) return undefined;
  return { path: `${directory}${candidate}_${name}.sql`, version: candidate };
}

const versionLists = new WeakMap<readonly ParsedMigration[], string[]>();

/** The versions of the change's migrations, sorted. */
function changeVersions(ctx: MigrationRuleContext): string[] {
  let versions = versionLists.get(ctx.changedMigrations);
  if (!versions) {
    versions = ctx.changedMigrations.flatMap((migration) => VERSIONED.exec(migration.path)?.[2] ?? []).sort();
    versionLists.set(ctx.changedMigrations, versions);
  }
  return versions;
}

/** A `write-file` fix creating a follow-up migration. */
export function writeFileFix(followUp: FollowUpFile, comment: string, sql: string, description: string): Fix {
  const header = comment
    .split('\n')
    .map((line) => `-- ${line}`.trimEnd())
    .join('\n');
  return { kind: 'write-file', path: followUp.path, content: `${header}\n${sql}\n`, description };
}

/** Whether a later statement of the file mentions `identifier` (then moving a statement past it would break it). */
export function mentionedLater(file: ParsedMigration, statement: SqlStatement, identifier: string): boolean {
  const escaped = identifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(^|[^\\w$])"?${escaped}"?($|[^\\w$])`, 'i');
  // A case-insensitive match holds the identifier's upper-case spelling: a cheap test first.
  const upper = identifier.toUpperCase();
  return file.statements.some((other) => other.index > statement.index && upperText(other).includes(upper) && pattern.test(other.text));
}

const upperTexts = new WeakMap<SqlStatement, string>();

function upperText(statement: SqlStatement): string {
  let upper = upperTexts.get(statement);
  if (upper === undefined) {
    upper = statement.text.toUpperCase();
    upperTexts.set(statement, upper);
  }
  return upper;
}

/** Replacement for the statement's lines with `lines` (e.g. `SET LOCAL lock_timeout = '5s';`) written just before it. */
export function prependToStatement(file: ParsedMigration, statement: SqlStatement, lines: string[]): string {
  const { prefix } = surroundings(file, statement);
  const indented = prefix.trim() === '';
  const block = lines.map((line) => `${line}\n${indented ? prefix : ''}`).join('');
  return replaceStatement(file, statement, indented ? `${block}${statement.text}` : `\n${block}${statement.text}`);
}

/** Whether generated SQL parses: a suggestion that does not is dropped rather than offered. */
export function parses(sql: string): boolean {
  try {
    parseSync(sql);
    return true;
  } catch {
    return false;
  }
}

/** Appends `suffix` right after the statement's last token, so a trailing comment cannot swallow it. */
export function appendToStatement(text: string, suffix: string): string {
  const last = tokensOf(text).at(-1);
  const end = last ? last.end : text.length;
  return `${text.slice(0, end)}${suffix}${text.slice(end)}`;
}
