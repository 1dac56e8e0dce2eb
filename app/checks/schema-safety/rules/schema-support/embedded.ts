import { parsePlPgSQLSync, parseSync } from 'libpg-query';
import { nodeBody, stringValue, walk } from '../../sql/ast.js';
import type { MigrationRule, ParsedMigration, PgNode, RuleHit, SqlProblem, SqlStatement } from '../../types.js';
import { byteOffset, charOffset, lineOf, lineSpan } from './text.js';

/**
 * PL/pgSQL bodies (DO blocks and functions) hold SQL the statement parser sees as one string
 * literal. DO blocks run during the migration, so their static statements are checked like
 * top-level ones: each is located in the file, parsed on its own, and placed in a copy of the file
 * where everything else is blanked, so lines, columns and offsets stay those of the real file.
 */

export type DynamicForm = 'EXECUTE' | 'FOR ... IN EXECUTE' | 'OPEN ... FOR EXECUTE' | 'RETURN QUERY EXECUTE';

export interface DynamicSql {
  form: DynamicForm;
  /** Character offset of the EXECUTE keyword (or of its line when not found). */
  offset: number;
  line: number;
  /** The expression that builds the SQL, e.g. `format('drop table %I', t)`. */
  expression: string;
  /** A constant string that could not be mapped to the file (escaped quotes), rather than SQL built at run time. */
  constant: boolean;
}

export interface PlpgsqlBody {
  statement: SqlStatement;
  kind: 'do' | 'function';
  /** `DO block` or `function public.f`. */
  label: string;
  language: string;
  /** Why the body could not be read at all. */
  unreadable?: string;
  /** Every SQL text of the body (statements and expressions), as PL/pgSQL reports them. */
  queries: Array<{ text: string; expression: boolean }>;
  dynamic: DynamicSql[];
  /** Static SQL found in the body but not in the file's text (e.g. inside a single-quoted body with escapes). */
  unlocated: Array<{ line: number; text: string }>;
}

interface Region {
  start: number;
  /** The SQL text to place at `start` (same length as the source it replaces). */
  text: string;
}

interface Analysis {
  bodies: PlpgsqlBody[];
  regions: Region[];
}

const analyses = new WeakMap<ParsedMigration, Analysis>();
const virtualFiles = new WeakMap<ParsedMigration, ParsedMigration | null>();

interface DefElem {
  defname?: string;
  arg?: unknown;
  location?: number;
}

function option(options: unknown[] | undefined, name: string): DefElem | undefined {
  for (const item of options ?? []) {
    const defElem = nodeBody<DefElem>(item, 'DefElem');
    if (defElem?.defname === name) return defElem;
  }
  return undefined;
}

const SKIPPED = /^(?:\s+|--[^\n]*|\/\*[\s\S]*?\*\/)*/;

/**
 * The body's literal in the file: content offsets, and whether its text maps 1:1 to the source
 * (a single-quoted body with doubled quotes does not). Read from the text at the `AS` option
 * rather than from scanned tokens: a body is often most of a migration.
 */
function bodyLiteral(file: ParsedMigration, statement: SqlStatement, asLocation: number | undefined): { start: number; end: number; exact: boolean } | undefined {
  const { text } = file;
  let at = asLocation === undefined ? statement.start : charOffset(file, asLocation);
  if (/^as\b/i.test(text.slice(at, at + 3))) at += 2;
  at += SKIPPED.exec(text.slice(at, statement.end))?.[0].length ?? 0;
  const dollar = /^\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$/.exec(text.slice(at, at + 64));
  if (dollar) {
    const start = at + dollar[0].length;
    const end = text.indexOf(dollar[0], start);
    return end < 0 || end > statement.end ? undefined : { start, end, exact: true };
  }
  if (text[at] !== "'") return undefined;
  let escaped = false;
  for (let index = at + 1; index < statement.end; index += 1) {
    if (text[index] !== "'") continue;
    if (text[index + 1] === "'") {
      escaped = true;
      index += 1;
      continue;
    }
    return { start: at + 1, end: index, exact: !escaped };
  }
  return undefined;
}

/** Character offset of body line `lineno` (1-based, counted from the line the body starts on). */
function bodyLineStart(file: ParsedMigration, bodyStart: number, lineno: number): number {
  if (lineno <= 1) return bodyStart;
  const line = lineOf(file, bodyStart) + lineno - 1;
  return lineSpan(file, line).start;
}

/**
 * PL/pgSQL blanks `INTO target` out of a statement's text, so a statement is found where every
 * character matches except those blanks.
 */
function locate(source: string, text: string, from: number, to: number): number {
  const first = text[0];
  if (first === undefined) return -1;
  for (let position = source.indexOf(first, from); position >= 0 && position + text.length <= to; position = source.indexOf(first, position + 1)) {
    let matches = true;
    for (let index = 0; index < text.length; index += 1) {
      const expected = text[index];
      if (expected !== ' ' && expected !== source[position + index]) {
        matches = false;
        break;
      }
    }
    if (matches) return position;
  }
  return -1;
}

interface PlExpr {
  query?: string;
}

function exprQuery(node: unknown): string | undefined {
  return nodeBody<PlExpr>(node, 'PLpgSQL_expr')?.query;
}

/** `'drop table x'` → the literal's content when the expression is one string constant. */
function constantString(expression: string): string | undefined {
  try {
    const parsed = parseSync(`SELECT ${expression}`) as { stmts?: Array<{ stmt: PgNode }> };
    const select = nodeBody<{ targetList?: unknown[] }>(parsed.stmts?.[0]?.stmt, 'SelectStmt');
    if (select?.targetList?.length !== 1) return undefined;
    const target = nodeBody<{ val?: unknown }>(select.targetList[0], 'ResTarget');
    const constant = nodeBody<{ sval?: { sval?: string } }>(target?.val, 'A_Const');
    return constant?.sval ? (constant.sval.sval ?? '') : undefined;
  } catch {
    return undefined;
  }
}

function executeOffset(file: ParsedMigration, lineStart: number, bodyEnd: number): number {
  const window = file.text.slice(lineStart, bodyEnd);
  const match = /\bexecute\b/i.exec(window);
  if (match && lineOf(file, lineStart + match.index) - lineOf(file, lineStart) <= 3) return lineStart + match.index;
  const firstNonBlank = /\S/.exec(window);
  return lineStart + (firstNonBlank?.index ?? 0);
}

/** PL/pgSQL statements that run a string as SQL; the static forms of OPEN and RETURN QUERY have no `dynquery`. */
const DYNAMIC_FORMS = new Map<string, DynamicForm>([
  ['PLpgSQL_stmt_dynexecute', 'EXECUTE'],
  ['PLpgSQL_stmt_dynfors', 'FOR ... IN EXECUTE'],
  ['PLpgSQL_stmt_open', 'OPEN ... FOR EXECUTE'],
  ['PLpgSQL_stmt_return_query', 'RETURN QUERY EXECUTE'],
]);

function analyseBody(file: ParsedMigration, statement: SqlStatement, kind: 'do' | 'function', label: string, language: string, asLocation: number | undefined, regions: Region[]): PlpgsqlBody {
  const body: PlpgsqlBody = { statement, kind, label, language, queries: [], dynamic: [], unlocated: [] };
  let parsed: unknown;
  try {
    parsed = parsePlPgSQLSync(statement.text);
  } catch (error) {
    body.unreadable = error instanceof Error ? error.message : String(error);
    return body;
  }
  const literal = bodyLiteral(file, statement, asLocation);
  let cursor = literal?.start ?? statement.start;
  const bodyEnd = literal?.end ?? statement.end;
  walk(parsed, (nodeKind, node) => {
    const lineno = typeof node.lineno === 'number' ? node.lineno : 1;
    const lineStart = literal ? bodyLineStart(file, literal.start, lineno) : statement.start;
    if (nodeKind === 'PLpgSQL_expr') {
      const query = (node as PlExpr).query;
      if (query) body.queries.push({ text: query, expression: (node as { parseMode?: number }).parseMode !== 0 });
      return false;
    }
    if (nodeKind === 'PLpgSQL_stmt_execsql') {
      const query = exprQuery(node.sqlstmt);
      if (!query) return undefined;
      body.queries.push({ text: query, expression: false });
      if (kind !== 'do') return false;
      const at = literal?.exact ? locate(file.text, query, Math.max(lineStart, cursor), bodyEnd) : -1;
      if (at < 0) {
        body.unlocated.push({ line: lineOf(file, lineStart), text: query });
        return false;
      }
      cursor = at + query.length;
      regions.push({ start: at, text: query });
      return false;
    }
    const form = DYNAMIC_FORMS.get(nodeKind);
    if (!form) return undefined;
    const expression = exprQuery(nodeKind === 'PLpgSQL_stmt_dynexecute' || nodeKind === 'PLpgSQL_stmt_dynfors' ? node.query : node.dynquery);
    if (!expression) return undefined;
    body.queries.push({ text: expression, expression: true });
    const constant = constantString(expression);
    if (constant !== undefined && kind === 'do' && literal?.exact) {
      const at = locate(file.text, expression, Math.max(lineStart, cursor), bodyEnd);
      const delimiter = at >= 0 ? /^(\$[A-Za-z_0-9]*\$|')/.exec(expression)?.[0] : undefined;
      const content = delimiter ? expression.slice(delimiter.length, expression.length - delimiter.length) : undefined;
      // A literal with escaped quotes does not spell its SQL verbatim; it is reported as unchecked.
      if (at >= 0 && delimiter && content === constant) {
        cursor = at + expression.length;
        regions.push({ start: at + delimiter.length, text: constant });
        return false;
      }
    }
    if (constant !== undefined && kind === 'function') return false;
    const offset = executeOffset(file, lineStart, bodyEnd);
    body.dynamic.push({ form, offset, line: lineOf(file, offset), expression, constant: constant !== undefined });
    return false;
  });
  return body;
}

function functionLabel(funcname: unknown[] | undefined): string {
  return (funcname ?? []).map((name) => stringValue(name) ?? '').join('.');
}

/** DO blocks are read eagerly: their statements run during the migration and every rule sees them. */
function analyse(file: ParsedMigration): Analysis {
  let analysis = analyses.get(file);
  if (analysis) return analysis;
  analysis = { bodies: [], regions: [] };
  for (const statement of file.statements) {
    if (statement.kind !== 'DoStmt') continue;
    const args = nodeBody<{ args?: unknown[] }>(statement.node, 'DoStmt')?.args;
    const language = stringValue(option(args, 'language')?.arg)?.toLowerCase() ?? 'plpgsql';
    if (language !== 'plpgsql') {
      analysis.bodies.push({ statement, kind: 'do', label: 'DO block', language, unreadable: `it is written in ${language}`, queries: [], dynamic: [], unlocated: [] });
      continue;
    }
    analysis.bodies.push(analyseBody(file, statement, 'do', 'DO block', language, option(args, 'as')?.location, analysis.regions));
  }
  analyses.set(file, analysis);
  return analysis;
}

const functionBodies = new WeakMap<SqlStatement, PlpgsqlBody | null>();

/** The PL/pgSQL body of a CREATE FUNCTION / PROCEDURE, read on first use; undefined for other languages. */
export function functionBody(file: ParsedMigration, statement: SqlStatement): PlpgsqlBody | undefined {
  const cached = functionBodies.get(statement);
  if (cached !== undefined) return cached ?? undefined;
  const create = nodeBody<{ funcname?: unknown[]; options?: unknown[]; is_procedure?: boolean }>(statement.node, 'CreateFunctionStmt');
  const language = stringValue(option(create?.options, 'language')?.arg)?.toLowerCase();
  let body: PlpgsqlBody | undefined;
  if (create && language === 'plpgsql') {
    const label = `${create.is_procedure ? 'procedure' : 'function'} ${functionLabel(create.funcname)}`;
    body = analyseBody(file, statement, 'function', label, language, option(create.options, 'as')?.location, []);
  }
  functionBodies.set(statement, body ?? null);
  return body;
}

/** The file's DO blocks, with what could and could not be read. */
export function doBlocks(file: ParsedMigration): PlpgsqlBody[] {
  return analyse(file).bodies;
}

/**
 * The static SQL inside the file's DO blocks as a migration of its own: the same path and
 * positions, every other character blanked. Undefined when there is none.
 */
export function embeddedMigration(file: ParsedMigration): ParsedMigration | undefined {
  const cached = virtualFiles.get(file);
  if (cached !== undefined) return cached ?? undefined;
  const regions = [...analyse(file).regions].sort((a, b) => a.start - b.start);
  if (regions.length === 0) {
    virtualFiles.set(file, null);
    return undefined;
  }
  const blank = (text: string) => text.replace(/[^\n\r\t]/g, ' ');
  // The same fields in the same order as parseMigration's files: rules then see one object shape.
  const virtual: ParsedMigration = { path: file.path, text: '', statements: [], syntaxError: undefined, metaCommands: [], invalidWaivers: [] };
  let text = '';
  let cursor = 0;
  for (const region of regions) {
    if (region.start < cursor) continue;
    // The region's SQL, keeping the source's line breaks where PL/pgSQL blanked INTO clauses.
    const source = file.text.slice(region.start, region.start + region.text.length);
    const sql = Array.from(region.text, (char, index) => (source[index] === '\n' || source[index] === '\r' ? source[index] : char)).join('');
    text += blank(file.text.slice(cursor, region.start)) + sql;
    cursor = region.start + sql.length;
    // Keep the statement's own `;`, so a line holding only the statement reads the same in both files.
    const terminator = /^[ \t]*;/.exec(file.text.slice(cursor, cursor + 80));
    if (terminator) {
      text += terminator[0];
      cursor += terminator[0].length;
    }
  }
  virtual.text = text + blank(file.text.slice(cursor));
  for (const region of regions) {
    const problem = parseRegion(file, virtual, region);
    if (problem && !virtual.syntaxError) virtual.syntaxError = problem;
  }
  virtual.statements.forEach((statement, index) => {
    statement.index = index;
  });
  virtualFiles.set(file, virtual);
  return virtual;
}

function shiftLocations(node: unknown, by: number): void {
  if (Array.isArray(node)) {
    for (const item of node) shiftLocations(item, by);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (key === 'location' && typeof value === 'number') {
      if (value >= 0) record[key] = value + by;
    } else if (value && typeof value === 'object') {
      shiftLocations(value, by);
    }
  }
}

/**
 * Parses one region on its own (no rescanning of the file) and adds its statements to the
 * virtual file, with AST locations moved to be relative to the start of the file.
 */
function parseRegion(file: ParsedMigration, virtual: ParsedMigration, region: Region): SqlProblem | undefined {
  const sql = virtual.text.slice(region.start, region.start + region.text.length);
  const regionByte = byteOffset(file, region.start);
  const toChar = (byte: number) => region.start + Buffer.from(sql, 'utf8').subarray(0, byte).toString('utf8').length;
  let stmts: Array<{ stmt: PgNode; stmt_location?: number; stmt_len?: number }>;
  try {
    stmts = (parseSync(sql) as { stmts?: typeof stmts }).stmts ?? [];
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number; message?: string } }).sqlDetails;
    const at = toChar(details?.cursorPosition ?? 0);
    const line = lineOf(virtual, at);
    return { line, column: at - lineSpan(virtual, line).start + 1, message: details?.message ?? (error instanceof Error ? error.message : String(error)) };
  }
  const sqlBytes = Buffer.byteLength(sql, 'utf8');
  for (const entry of stmts) {
    const startByte = entry.stmt_location ?? 0;
    const endByte = entry.stmt_len ? startByte + entry.stmt_len : sqlBytes;
    let start = toChar(startByte);
    start += SKIPPED.exec(virtual.text.slice(start, toChar(endByte)))?.[0].length ?? 0;
    const end = start + virtual.text.slice(start, toChar(endByte)).trimEnd().length;
    if (end <= start) continue;
    shiftLocations(entry.stmt, regionByte);
    const line = lineOf(virtual, start);
    virtual.statements.push({
      index: 0,
      text: virtual.text.slice(start, end),
      start,
      end,
      line,
      column: start - lineSpan(virtual, line).start + 1,
      endLine: lineOf(virtual, end - 1),
      node: entry.stmt,
      kind: Object.keys(entry.stmt)[0] ?? 'Unknown',
      waivers: [],
    });
  }
  return undefined;
}

/** The file's own statements plus the static statements of its DO blocks, in file order. */
export function allStatements(file: ParsedMigration): SqlStatement[] {
  const embedded = embeddedMigration(file);
  if (!embedded) return file.statements;
  return [...file.statements, ...embedded.statements].sort((a, b) => a.start - b.start);
}

/** The top-level statement containing a character offset. */
export function enclosingStatement(file: ParsedMigration, offset: number): SqlStatement | undefined {
  return file.statements.find((statement) => statement.start <= offset && offset < statement.end);
}

function linesEqual(original: ParsedMigration, virtual: ParsedMigration, startLine: number, endLine: number): boolean {
  const start = lineSpan(original, startLine).start;
  const end = lineSpan(original, endLine).end;
  return original.text.slice(start, end) === virtual.text.slice(start, end);
}

/** A hit found inside a DO block, re-attached to the DO statement (whose waivers then apply). */
function reattach(original: ParsedMigration, virtual: ParsedMigration, hit: RuleHit): RuleHit | undefined {
  const outer = enclosingStatement(original, hit.statement.start);
  if (!outer) return undefined;
  const inner = hit.statement;
  const relocated: RuleHit = {
    statement: outer,
    location: hit.location ?? inner.start,
    title: hit.title,
    message: `${hit.message} (Inside the DO block at line ${outer.line}.)`,
  };
  if (hit.severity) relocated.severity = hit.severity;
  // A rewrite stays usable only where the inner statement's lines hold nothing else of the block.
  if (hit.fix?.kind === 'edit' && linesEqual(original, virtual, hit.fix.startLine, hit.fix.endLine)) {
    relocated.fix = hit.fix;
  } else if (hit.suggestion !== undefined && linesEqual(original, virtual, inner.line, inner.endLine)) {
    relocated.fix = { kind: 'edit', path: original.path, startLine: inner.line, endLine: inner.endLine, replacement: hit.suggestion, description: hit.title };
  }
  return relocated;
}

/** Runs a rule on the file and on the static SQL of its DO blocks. */
export function withEmbeddedSql(rule: MigrationRule): MigrationRule {
  return {
    meta: rule.meta,
    check(file, ctx) {
      const hits = rule.check(file, ctx);
      const virtual = embeddedMigration(file);
      if (!virtual) return hits;
      for (const hit of rule.check(virtual, ctx)) {
        const relocated = reattach(file, virtual, hit);
        if (relocated) hits.push(relocated);
      }
      return hits;
    },
  };
}
