import { nodeBody, type RangeVar } from '../sql/ast.js';
import type { MigrationRuleContext, ParsedMigration, RuleHit, SqlStatement } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { listing } from './schema-support/type-rule.js';
import { editsToHit, findKeywords, quoteIdent, quoteQualified, topLevelSegments, tokensOf, prependToStatement, type TextEdit, type Token } from './schema-support/text.js';

/** Why a statement cannot run inside a transaction block, or undefined when it can. */
function nonTransactional(statement: SqlStatement, ctx: MigrationRuleContext): string | undefined {
  const { node } = statement;
  if (nodeBody<{ concurrent?: boolean }>(node, 'IndexStmt')?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (nodeBody<{ concurrent?: boolean }>(node, 'DropStmt')?.concurrent) return 'DROP INDEX CONCURRENTLY';
  const reindex = nodeBody<{ params?: unknown[] }>(node, 'ReindexStmt');
  if (reindex?.params?.some((param) => nodeBody<{ defname?: string }>(param, 'DefElem')?.defname === 'concurrently')) return 'REINDEX CONCURRENTLY';
  const alter = nodeBody<{ cmds?: unknown[] }>(node, 'AlterTableStmt');
  if (alter?.cmds?.some((cmd) => nodeBody<{ concurrent?: boolean }>(nodeBody<{ def?: unknown }>(cmd, 'AlterTableCmd')?.def, 'PartitionCmd')?.concurrent)) return 'DETACH PARTITION CONCURRENTLY';
  // ANALYZE shares the node but runs in a transaction.
  if (nodeBody<{ is_vacuumcmd?: boolean }>(node, 'VacuumStmt')?.is_vacuumcmd) return 'VACUUM';
  if (statement.kind === 'CreatedbStmt' || statement.kind === 'DropdbStmt') return statement.kind === 'CreatedbStmt' ? 'CREATE DATABASE' : 'DROP DATABASE';
  if (statement.kind === 'AlterSystemStmt') return 'ALTER SYSTEM';
  if (statement.kind === 'AlterEnumStmt' && ctx.pgVersion < 12) return `ALTER TYPE ... ADD VALUE (before PostgreSQL 12)`;
  return undefined;
}

interface Problem {
  /** What is missing, for the message. */
  missing: string;
  edit: TextEdit;
  at: number;
}

/** Insert `text` after the token at `index` (the keyword the guard follows). */
function insertAfter(tokens: Token[], index: number, text: string): { edit: TextEdit; at: number } | undefined {
  const token = tokens[index];
  return token ? { edit: { start: token.end, end: token.end, text }, at: token.start } : undefined;
}

/** The keyword a guard goes after: the first of `words` from `from` on, then each next word when it follows directly (`drop` [`column`], `index` [`concurrently`]). */
function lastKeyword(tokens: Token[], from: number, to: number, words: string[]): number {
  const [first, ...rest] = words;
  let index = findKeywords(tokens, [first ?? ''], from, to);
  if (index < 0) return -1;
  for (const word of rest) if (tokens[index + 1]?.keyword === word) index += 1;
  return index;
}

/** Constraints a statement drops: a later ADD CONSTRAINT of the same name can then be re-run. */
function recordDroppedConstraints(statement: SqlStatement, dropped: Set<string>): void {
  for (const command of nodeBody<{ cmds?: unknown[] }>(statement.node, 'AlterTableStmt')?.cmds ?? []) {
    const cmd = nodeBody<{ subtype?: string; name?: string }>(command, 'AlterTableCmd');
    if (cmd?.subtype === 'AT_DropConstraint' && cmd.name) dropped.add(cmd.name);
  }
}

function problemsOf(file: ParsedMigration, statement: SqlStatement, droppedConstraints: Set<string>): Problem[] {
  const tokens = tokensOf(statement);
  const { node } = statement;
  const problems: Problem[] = [];
  const add = (missing: string, index: number, text: string) => {
    const placed = insertAfter(tokens, index, text);
    if (placed) problems.push({ missing, ...placed });
  };
  const create = nodeBody<{ if_not_exists?: boolean; relation?: RangeVar & { relpersistence?: string }; oncommit?: string }>(node, 'CreateStmt');
  if (create) {
    // A temporary table dropped at commit cannot survive a failed run.
    if (!create.if_not_exists && !(create.relation?.relpersistence === 't' && create.oncommit === 'ONCOMMIT_DROP')) add('IF NOT EXISTS', findKeywords(tokens, ['table']), ' if not exists');
    return problems;
  }
  const index = nodeBody<{ idxname?: string; if_not_exists?: boolean }>(node, 'IndexStmt');
  if (index) {
    if (index.idxname && !index.if_not_exists) add('IF NOT EXISTS', lastKeyword(tokens, 0, tokens.length, ['index', 'concurrently']), ' if not exists');
    return problems;
  }
  const drop = nodeBody<{ removeType?: string; missing_ok?: boolean }>(node, 'DropStmt');
  if (drop) {
    const keyword: Record<string, string[]> = { OBJECT_TABLE: ['table'], OBJECT_INDEX: ['index', 'concurrently'], OBJECT_TYPE: ['type'] };
    const words = keyword[drop.removeType ?? ''];
    if (words && !drop.missing_ok) add('IF EXISTS', lastKeyword(tokens, 0, tokens.length, words), ' if exists');
    return problems;
  }
  const alter = nodeBody<{ relation?: RangeVar; cmds?: unknown[] }>(node, 'AlterTableStmt');
  if (!alter?.relation) return problems;
  const commands = alter.cmds ?? [];
  const segments = topLevelSegments(tokens);
  const aligned = segments.length === commands.length;
  commands.forEach((command, position) => {
    const cmd = nodeBody<{ subtype?: string; missing_ok?: boolean; name?: string; def?: unknown }>(command, 'AlterTableCmd');
    const [from, to] = aligned ? (segments[position] ?? [0, tokens.length]) : [0, tokens.length];
    if (!cmd) return;
    if (cmd.subtype === 'AT_AddColumn' && !cmd.missing_ok) {
      add('IF NOT EXISTS', lastKeyword(tokens, from, to, ['add', 'column']), ' if not exists');
    } else if (cmd.subtype === 'AT_DropColumn' && !cmd.missing_ok) {
      add('IF EXISTS', lastKeyword(tokens, from, to, ['drop', 'column']), ' if exists');
    } else if (cmd.subtype === 'AT_DropConstraint' && !cmd.missing_ok) {
      add('IF EXISTS', findKeywords(tokens, ['constraint'], from, to), ' if exists');
      if (cmd.name) droppedConstraints.add(cmd.name);
    } else if (cmd.subtype === 'AT_DropConstraint' && cmd.name) {
      droppedConstraints.add(cmd.name);
    } else if (cmd.subtype === 'AT_AddConstraint') {
      const name = nodeBody<{ conname?: string }>(cmd.def, 'Constraint')?.conname;
      if (!name || droppedConstraints.has(name)) return;
      const table = quoteQualified(alter.relation?.schemaname, alter.relation?.relname ?? '');
      const at = tokens[findKeywords(tokens, ['add'], from, to)]?.start ?? statement.start;
      problems.push({ missing: `a preceding \`drop constraint if exists ${quoteIdent(name)}\``, at, edit: prependToStatement(file, statement, `alter table ${table} drop constraint if exists ${quoteIdent(name)};`) });
    }
  });
  return problems;
}

export const rule = defineSchemaRule({
  id: 'prefer-robust-stmts',
  defaultSeverity: 'notice',
  description: 'A statement that fails when a half-applied migration is run again (no IF [NOT] EXISTS), where a re-run can actually happen: outside a transaction.',
  fixable: true,
  // A DO block is one statement: it applies completely or not at all.
  embedded: false,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    const nonTransactionals = file.statements.map((statement) => nonTransactional(statement, ctx));
    const splitting = nonTransactionals.find(Boolean);
    let explicitTransaction = false;
    const droppedConstraints = new Set<string>();
    for (const [position, statement] of file.statements.entries()) {
      const transaction = nodeBody<{ kind?: string }>(statement.node, 'TransactionStmt');
      if (transaction) {
        if (transaction.kind === 'TRANS_STMT_BEGIN' || transaction.kind === 'TRANS_STMT_START') explicitTransaction = true;
        else if (['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_COMMIT_PREPARED', 'TRANS_STMT_PREPARE'].includes(transaction.kind ?? '')) explicitTransaction = false;
        continue;
      }
      const own = nonTransactionals[position];
      let reason: string | undefined;
      if (own) reason = `${own} cannot run inside a transaction, so it stays applied when a later statement fails, and the next run meets it again`;
      else if (explicitTransaction) reason = undefined;
      else if (ctx.inTransaction) reason = splitting ? `the file also holds ${splitting}, which runs outside the migration's transaction, so this file does not apply atomically` : undefined;
      else if (file.statements.length > 1) reason = 'the migration runs without a wrapping transaction (assumeInTransaction is off), so statements before a failure stay applied';
      if (!reason) {
        recordDroppedConstraints(statement, droppedConstraints);
        continue;
      }
      const problems = problemsOf(file, statement, droppedConstraints);
      const first = problems[0];
      if (!first) continue;
      const missing = listing([...new Set(problems.map((problem) => problem.missing))]);
      const invalidIndex =
        own === 'CREATE INDEX CONCURRENTLY'
          ? ' A failed concurrent build also leaves an INVALID index behind, which IF NOT EXISTS then keeps: check `pg_index.indisvalid` and drop it before retrying.'
          : '';
      hits.push({
        statement,
        location: first.at,
        title: 'Statement fails on a re-run',
        message: `This statement lacks ${missing}: ${reason}.${invalidIndex}`,
        ...editsToHit(file, statement, problems.map((problem) => problem.edit), `Add ${missing}`),
      });
    }
    return hits;
  },
});
