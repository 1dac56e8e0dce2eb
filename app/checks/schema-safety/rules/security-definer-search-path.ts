import { parseSync } from 'libpg-query';
import { nodeBody, stringValue, walk, type RangeVar } from '../sql/ast.js';
import type { ParsedMigration, PgNode, RuleHit, SqlStatement } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { functionBody } from './schema-support/embedded.js';
import { ChangeView, qualifiedKey, writtenName } from './schema-support/history.js';
import { appendAfterStatement, editsToHit, findKeywords, tokensOf, type TextEdit } from './schema-support/text.js';

interface DefElem {
  defname?: string;
  arg?: unknown;
}

function options(list: unknown[] | undefined): DefElem[] {
  return (list ?? []).flatMap((item) => {
    const defElem = nodeBody<DefElem>(item, 'DefElem');
    return defElem ? [defElem] : [];
  });
}

function isSecurityDefiner(list: DefElem[]): boolean {
  return list.some((option) => option.defname === 'security' && nodeBody<{ boolval?: boolean }>(option.arg, 'Boolean')?.boolval === true);
}

/** `SET search_path = ...` or `SET search_path FROM CURRENT`; `TO DEFAULT` leaves it to the caller. */
function setsSearchPath(list: DefElem[]): boolean {
  return list.some((option) => {
    const set = nodeBody<{ kind?: string; name?: string }>(option.arg, 'VariableSetStmt');
    return option.defname === 'set' && set?.name === 'search_path' && (set.kind === 'VAR_SET_VALUE' || set.kind === 'VAR_SET_CURRENT');
  });
}

function parseQuietly(sql: string): unknown {
  try {
    return parseSync(sql);
  } catch {
    return undefined;
  }
}

/** Tables the body names without a schema: with an empty search_path they no longer resolve. */
function unqualifiedTables(file: ParsedMigration, statement: SqlStatement, create: { options?: unknown[]; sql_body?: unknown }): string[] {
  // BEGIN ATOMIC bodies are bound when the function is created, whatever the search_path later.
  if (create.sql_body) return [];
  const trees: unknown[] = [];
  const body = functionBody(file, statement);
  if (body) {
    const statements = body.queries.map((query) => (query.expression ? `SELECT ${query.text}` : query.text));
    // One parse for the whole body; statement by statement only when some part does not parse.
    const whole = parseQuietly(statements.join(';\n'));
    if (whole) trees.push(whole);
    else for (const sql of statements) trees.push(parseQuietly(sql));
  } else {
    const as = options(create.options).find((option) => option.defname === 'as');
    const source = stringValue(nodeBody<{ items?: unknown[] }>(as?.arg, 'List')?.items?.[0]);
    if (source) trees.push(parseQuietly(source));
  }
  const names = new Set<string>();
  const cteNames = new Set<string>();
  for (const tree of trees) {
    walk(tree, (kind, node) => {
      if (kind === 'CommonTableExpr' && typeof node.ctename === 'string') cteNames.add(node.ctename);
      // FROM lists wrap their RangeVars; the target of INSERT, UPDATE, DELETE and MERGE is a bare field.
      const rangeVar = kind === 'RangeVar' ? (node as RangeVar) : (node.relation as RangeVar | undefined);
      if (rangeVar?.relname && !rangeVar.schemaname) names.add(rangeVar.relname);
    });
  }
  return [...names].filter((name) => !cteNames.has(name)).sort();
}

const CLAUSE = "set search_path = ''";

export const rule = defineSchemaRule({
  id: 'security-definer-search-path',
  defaultSeverity: 'error',
  description: 'A SECURITY DEFINER function without `SET search_path`: callers can make it run their own objects with its owner\'s privileges.',
  fixable: true,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const create = nodeBody<{ funcname?: unknown[]; options?: unknown[]; sql_body?: PgNode; is_procedure?: boolean }>(statement.node, 'CreateFunctionStmt');
      const alter = nodeBody<{ func?: { objname?: unknown[] }; actions?: unknown[] }>(statement.node, 'AlterFunctionStmt');
      const list = options(create?.options ?? alter?.actions);
      const names = create?.funcname ?? alter?.func?.objname;
      if ((!create && !alter) || !isSecurityDefiner(list) || setsSearchPath(list)) continue;
      const view = new ChangeView(ctx, file, statement);
      if (view.searchPathSet(qualifiedKey(names))) continue;
      const tokens = tokensOf(statement);
      const definer = findKeywords(tokens, ['security', 'definer']);
      const edits: TextEdit[] = [];
      if (create && definer >= 0) {
        const at = tokens[definer + 1]?.end ?? statement.end;
        edits.push({ start: at, end: at, text: ` ${CLAUSE}` });
      } else if (alter) {
        edits.push({ start: statement.end, end: statement.end, text: ` ${CLAUSE}` });
      } else {
        edits.push(appendAfterStatement(file, statement, `alter ${create?.is_procedure ? 'procedure' : 'function'} ${writtenName(names)} ${CLAUSE};`));
      }
      const unqualified = create ? unqualifiedTables(file, statement, create) : [];
      const kind = create?.is_procedure ? 'Procedure' : 'Function';
      hits.push({
        statement,
        location: tokens[definer]?.start,
        title: 'SECURITY DEFINER without search_path',
        message:
          `${kind} ${writtenName(names)} runs with its owner's privileges but resolves names through the caller's search_path: a caller who can create a table, function or operator in a schema on that path (or in pg_temp) makes it run their object as the owner. ` +
          `Pin the path with \`${CLAUSE}\` and schema-qualify every object in the body (\`public.profiles\`, \`auth.uid()\`)` +
          (unqualified.length > 0 ? `; the body names ${unqualified.map((name) => `\`${name}\``).join(', ')} without a schema, which would then fail to resolve.` : '.'),
        ...editsToHit(file, statement, edits, `Add \`${CLAUSE}\``),
      });
    }
    return hits;
  },
});
