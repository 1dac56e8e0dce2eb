import type { MigrationRuleContext, ParsedMigration, RuleHit } from '../types.js';
import { appendToStatement, editFix, parses, replaceStatement, tokensOf } from './locking-support/edits.js';
import type { RewriteVerdict } from './locking-support/locks.js';
import { addColumnRewrites } from './locking-support/locks.js';
import { displayName, qualifiedName, quoteIdent } from './locking-support/names.js';
import type { AlterTableInfo, ColumnDefNode } from './locking-support/nodes.js';
import { alterTables, columnDefOf, constraintOf } from './locking-support/nodes.js';
import { at, defineRule, hitAt } from './locking-support/rule.js';

/** Keywords that start the next column constraint after a DEFAULT expression. */
const NEXT_CONSTRAINT = new Set(['NOT', 'NULL', 'CONSTRAINT', 'CHECK', 'UNIQUE', 'PRIMARY', 'REFERENCES', 'GENERATED', 'COLLATE', 'DEFAULT']);

interface Span {
  start: number;
  end: number;
}

/**
 * The three-step recipe as SQL: the column without its default (and without NOT NULL, which a
 * populated table cannot satisfy yet), then SET DEFAULT for new rows, then a note to backfill.
 */
function splitDefault(file: ParsedMigration, info: AlterTableInfo, column: ColumnDefNode): string | undefined {
  const defaultConstraint = (column.constraints ?? []).map(constraintOf).find((constraint) => constraint?.contype === 'CONSTR_DEFAULT');
  const start = at(file, defaultConstraint?.location);
  if (!defaultConstraint || start === undefined) return undefined;
  const text = info.statement.text;
  const tokens = tokensOf(text);
  const first = tokens.findIndex((token) => token.start === start - info.statement.start);
  if (first < 0 || tokens[first]?.upper !== 'DEFAULT') return undefined;

  let depth = 0;
  let last = first;
  for (let index = first + 1; index < tokens.length; index += 1) {
    const token = tokens[index];
    if (!token) break;
    if (token.text === '(' || token.text === '[') depth += 1;
    if (token.text === ')' || token.text === ']') depth -= 1;
    if (depth < 0 || (depth === 0 && (token.text === ',' || NEXT_CONSTRAINT.has(token.upper)))) break;
    last = index;
  }
  const expression = text.slice(tokens[first + 1]?.start ?? 0, tokens[last]?.end ?? 0);
  if (!expression) return undefined;

  const removed: Span[] = [{ start: tokens[first]?.start ?? 0, end: tokens[last]?.end ?? 0 }];
  let required = false;
  for (let index = last + 1; index < tokens.length - 1; index += 1) {
    if (tokens[index]?.upper === 'NOT' && tokens[index + 1]?.upper === 'NULL') {
      removed.push({ start: tokens[index]?.start ?? 0, end: tokens[index + 1]?.end ?? 0 });
      required = true;
    }
  }
  for (let index = first - 2; index >= 0 && index > first - 3; index -= 1) {
    if (tokens[index]?.upper === 'NOT' && tokens[index + 1]?.upper === 'NULL') {
      removed.push({ start: tokens[index]?.start ?? 0, end: tokens[index + 1]?.end ?? 0 });
      required = true;
    }
  }
  removed.sort((a, b) => b.start - a.start);
  let withoutDefault = text;
  for (const span of removed) withoutDefault = `${withoutDefault.slice(0, span.start).trimEnd()}${withoutDefault.slice(span.end)}`;

  const table = qualifiedName(info.relation);
  const name = quoteIdent(column.colname ?? '');
  const backfill = `-- Backfill existing rows in batches, e.g. UPDATE ${table} SET ${name} = ${expression} WHERE ${name} IS NULL AND <key range>${required ? ', then make it NOT NULL in a later migration (see adding-not-nullable-field)' : ''}.`;
  const lines = [appendToStatement(withoutDefault, ';'), backfill, `ALTER TABLE ${table} ALTER COLUMN ${name} SET DEFAULT ${expression};`];
  const sql = lines.join('\n');
  return parses(sql) ? sql.replace(/;$/, '') : undefined;
}

function message(info: AlterTableInfo, column: ColumnDefNode, verdict: RewriteVerdict, recipe: boolean): string {
  const subject = `Adding ${column.colname} to ${displayName(info.relation)}`;
  const effect = verdict.uncertain
    ? `${subject} may rewrite the table: ${verdict.reason}, under an ACCESS EXCLUSIVE lock that blocks reads and writes until every row is written. Check the function's volatility (\`\\df+\`).`
    : `${subject} rewrites the table: ${verdict.reason}, under an ACCESS EXCLUSIVE lock that blocks reads and writes until every row is written.`;
  const cure =
    verdict.cause === 'default'
      ? recipe
        ? 'Add the column without the default, SET DEFAULT for new rows, then backfill existing rows in batches (the suggestion).'
        : 'Add the column without the default, SET DEFAULT for new rows, then backfill existing rows in batches.'
      : verdict.cause === 'generated'
        ? 'Add a plain nullable column, backfill it in batches and keep it current with a trigger; from Postgres 18 a VIRTUAL generated column needs no rewrite.'
        : 'Add a nullable bigint column, attach the sequence with SET DEFAULT nextval(...) for new rows, then backfill existing rows in batches.';
  return `${effect} ${cure}`;
}

function check(file: ParsedMigration, ctx: MigrationRuleContext): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const info of alterTables(file, ctx)) {
    if (!info.existing) continue;
    for (const command of info.commands) {
      if (command.subtype !== 'AT_AddColumn') continue;
      const column = columnDefOf(command.def);
      if (!column) continue;
      const verdict = addColumnRewrites(column, ctx.pgVersion);
      if (!verdict.rewrites) continue;
      const fromDefault = verdict.cause === 'default';
      const rewritten = fromDefault && info.commands.length === 1 ? splitDefault(file, info, column) : undefined;
      const suggestion = rewritten === undefined ? undefined : replaceStatement(file, info.statement, rewritten);
      hits.push(
        hitAt(file, info.statement, {
          byteLocation: verdict.location,
          severity: verdict.uncertain ? 'warning' : undefined,
          title: verdict.uncertain ? 'Default may rewrite the table' : 'Column default rewrites the table',
          message: message(info, column, verdict, rewritten !== undefined),
          suggestion,
          fix: suggestion === undefined ? undefined : editFix(file, info.statement, suggestion, 'Add the column, then set its default'),
        }),
      );
    }
  }
  return hits;
}

export const rule = defineRule(
  {
    id: 'adding-field-with-default',
    defaultSeverity: 'error',
    description:
      'ADD COLUMN on an existing table that rewrites it: a VOLATILE default (random(), gen_random_uuid(), nextval()), serial or identity, a STORED generated column, or any default before Postgres 11.',
    fixable: true,
  },
  check,
);
