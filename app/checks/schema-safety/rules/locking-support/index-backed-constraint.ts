import { stringValue, type RangeVar } from '../../sql/ast.js';
import type { MigrationRuleContext, ParsedMigration, RuleHit } from '../../types.js';
import { constraintName, qualifiedName, quoteIdent } from './names.js';
import type { ConstraintNode } from './nodes.js';
import { alterTables, columnDefOf, constraintOf } from './nodes.js';
import { hitAt } from './rule.js';

export interface AddedIndexBackedConstraint {
  constraint: ConstraintNode;
  columns: string[];
  /** The constraint's name, or the one PostgreSQL gives it. */
  name: string;
  relation: RangeVar;
  /** `schema.table`, quoted where needed. */
  table: string;
}

export interface IndexBackedConstraintReport {
  title: string;
  message(found: AddedIndexBackedConstraint): string;
}

/**
 * PRIMARY KEY and UNIQUE constraints added to an existing table (as a table constraint or on a new
 * column) build their index under ALTER TABLE's ACCESS EXCLUSIVE lock, unless they adopt an index
 * built beforehand (`USING INDEX`).
 */
export function indexBackedConstraintHits(
  file: ParsedMigration,
  ctx: MigrationRuleContext,
  contype: 'CONSTR_PRIMARY' | 'CONSTR_UNIQUE',
  report: IndexBackedConstraintReport,
): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const info of alterTables(file, ctx)) {
    if (!info.existing) continue;
    const found: Array<{ constraint: ConstraintNode; columns: string[] }> = [];
    for (const command of info.commands) {
      if (command.subtype === 'AT_AddConstraint') {
        const constraint = constraintOf(command.def);
        if (constraint?.contype === contype && !constraint.indexname) {
          found.push({ constraint, columns: (constraint.keys ?? []).map((key) => stringValue(key) ?? '') });
        }
      } else if (command.subtype === 'AT_AddColumn') {
        const column = columnDefOf(command.def);
        for (const wrapped of column?.constraints ?? []) {
          const constraint = constraintOf(wrapped);
          if (constraint?.contype === contype) found.push({ constraint, columns: [column?.colname ?? ''] });
        }
      }
    }
    for (const { constraint, columns } of found) {
      const relname = info.relation.relname ?? '';
      // PostgreSQL names a primary key `<table>_pkey` and a unique constraint `<table>_<columns>_key`.
      const name = constraint.conname ?? (contype === 'CONSTR_PRIMARY' ? constraintName(relname, [], 'pkey') : constraintName(relname, columns, 'key'));
      const added: AddedIndexBackedConstraint = { constraint, columns, name, relation: info.relation, table: qualifiedName(info.relation) };
      hits.push(hitAt(file, info.statement, { byteLocation: constraint.location, title: report.title, message: report.message(added) }));
    }
  }
  return hits;
}

/** `CREATE UNIQUE INDEX CONCURRENTLY <name> ON <table> (<columns>);` for the message's first step. */
export function concurrentUniqueIndex(found: AddedIndexBackedConstraint): string {
  return `CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(found.name)} ON ${found.table} (${found.columns.map(quoteIdent).join(', ')});`;
}
