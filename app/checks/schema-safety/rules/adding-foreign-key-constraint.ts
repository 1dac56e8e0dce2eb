import { stringValue } from '../sql/ast.js';
import type { MigrationRuleContext, ParsedMigration, RuleHit, SqlStatement } from '../types.js';
import { nameOfConstraint, withNotValid } from './locking-support/constraints.js';
import { appendToStatement, tokensOf } from './locking-support/edits.js';
import type { Advice } from './locking-support/fixes.js';
import { rewriteWithFollowUp } from './locking-support/fixes.js';
import { displayName, qualifiedName, quoteIdent } from './locking-support/names.js';
import type { AlterTableInfo, ColumnDefNode, ConstraintNode } from './locking-support/nodes.js';
import { alterTables, columnDefOf, constraintOf } from './locking-support/nodes.js';
import { at, defineRule, hitAt } from './locking-support/rule.js';

const WHY =
  'Validating a new foreign key scans the whole table while holding a SHARE ROW EXCLUSIVE lock on it and on the referenced table, so writes to both wait until the scan ends.';

/** Keywords that start the next column constraint after a REFERENCES clause (unless part of it: `SET NULL`, `NOT DEFERRABLE`). */
const NEXT_CONSTRAINT = new Set(['NOT', 'NULL', 'DEFAULT', 'CHECK', 'UNIQUE', 'PRIMARY', 'GENERATED', 'COLLATE', 'CONSTRAINT', 'REFERENCES']);

/**
 * Splits `ADD COLUMN c uuid REFERENCES t (id) ON DELETE CASCADE` into the column and the REFERENCES
 * clause text, by tokens: the clause ends at the next column constraint or at the end.
 */
function splitReferences(file: ParsedMigration, statement: SqlStatement, constraint: ConstraintNode): { withoutClause: string; clause: string } | undefined {
  const start = at(file, constraint.location);
  if (start === undefined) return undefined;
  const offset = start - statement.start;
  const tokens = tokensOf(statement.text);
  const first = tokens.findIndex((token) => token.start === offset);
  if (first < 0) return undefined;
  let depth = 0;
  let last = first;
  for (let index = first + 1; index < tokens.length; index += 1) {
    const token = tokens[index];
    if (!token) break;
    if (token.text === '(') depth += 1;
    if (token.text === ')') depth -= 1;
    if (depth < 0 || (depth === 0 && token.text === ',')) break;
    if (depth === 0 && NEXT_CONSTRAINT.has(token.upper) && !(index - 1 === first && token.upper === 'REFERENCES')) {
      const previous = tokens[index - 1]?.upper;
      const next = tokens[index + 1]?.upper;
      const partOfClause = ((token.upper === 'NULL' || token.upper === 'DEFAULT') && previous === 'SET') || (token.upper === 'NOT' && next === 'DEFERRABLE');
      if (!partOfClause) break;
    }
    last = index;
  }
  const end = tokens[last]?.end ?? offset;
  let clause = statement.text.slice(offset, end);
  // A named column constraint keeps its name on the table constraint.
  clause = clause.replace(/^CONSTRAINT\s+("(?:[^"]|"")+"|\S+)\s+/i, '');
  const withoutClause = `${statement.text.slice(0, offset).trimEnd()}${statement.text.slice(end)}`;
  return { withoutClause, clause };
}

function addColumnAdvice(file: ParsedMigration, ctx: MigrationRuleContext, info: AlterTableInfo, column: ColumnDefNode, constraint: ConstraintNode): Advice {
  const name = nameOfConstraint({ ...constraint, fk_attrs: [{ String: { sval: column.colname ?? '' } }] }, info.relation.relname ?? '').name;
  const parts = info.commands.length === 1 ? splitReferences(file, info.statement, constraint) : undefined;
  const table = qualifiedName(info.relation);
  if (!parts) return { advice: 'Add the column without REFERENCES, then add the foreign key as `NOT VALID` and validate it in a later migration file.' };
  const foreignKey = parts.clause.replace(/^REFERENCES\b/i, `FOREIGN KEY (${quoteIdent(column.colname ?? '')}) REFERENCES`);
  const rewritten = `${appendToStatement(parts.withoutClause, ';')}\nALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} ${foreignKey} NOT VALID`;
  return rewriteWithFollowUp(file, ctx, info.statement, rewritten, `ALTER TABLE ${table} VALIDATE CONSTRAINT ${quoteIdent(name)};`, {
    name: `validate_${name}`,
    comment: `Validates ${name} after the NOT VALID constraint committed: the scan takes SHARE UPDATE EXCLUSIVE, so reads and writes go on.`,
    description: `Validate ${name} in a migration of its own`,
  });
}

export const rule = defineRule(
  {
    id: 'adding-foreign-key-constraint',
    defaultSeverity: 'warning',
    description:
      'A foreign key added to an existing table without NOT VALID: validating it scans the table while writes to both tables wait. Add it NOT VALID, then VALIDATE CONSTRAINT in a later migration.',
    fixable: true,
  },
  (file, ctx) => {
    const hits: RuleHit[] = [];
    for (const info of alterTables(file, ctx)) {
      if (!info.existing) continue;
      for (const command of info.commands) {
        if (command.subtype === 'AT_AddConstraint') {
          const constraint = constraintOf(command.def);
          if (constraint?.contype !== 'CONSTR_FOREIGN' || constraint.skip_validation) continue;
          const { name, generated } = nameOfConstraint(constraint, info.relation.relname ?? '');
          const rewritten = info.commands.length === 1 ? withNotValid(file, info.statement, constraint, name, generated) : undefined;
          const advice: Advice = rewritten
            ? rewriteWithFollowUp(file, ctx, info.statement, rewritten, `ALTER TABLE ${qualifiedName(info.relation)} VALIDATE CONSTRAINT ${quoteIdent(name)};`, {
                name: `validate_${name}`,
                comment: `Validates ${name} after the NOT VALID constraint committed: the scan takes SHARE UPDATE EXCLUSIVE, so reads and writes go on.`,
                description: `Validate ${name} in a migration of its own`,
              })
            : { advice: 'Add each foreign key as `NOT VALID` (one ALTER TABLE per constraint), then `VALIDATE CONSTRAINT` in a later migration file.' };
          hits.push(
            hitAt(file, info.statement, {
              byteLocation: constraint.location,
              title: 'Foreign key validated under lock',
              message: `Foreign key ${name} on ${displayName(info.relation)} references ${displayName(constraint.pktable)}. ${WHY} ${advice.advice}`,
              suggestion: advice.suggestion,
              fix: advice.fix,
            }),
          );
        } else if (command.subtype === 'AT_AddColumn') {
          const column = columnDefOf(command.def);
          for (const wrapped of column?.constraints ?? []) {
            const constraint = constraintOf(wrapped);
            if (!column || constraint?.contype !== 'CONSTR_FOREIGN') continue;
            const advice = addColumnAdvice(file, ctx, info, column, constraint);
            hits.push(
              hitAt(file, info.statement, {
                byteLocation: constraint.location,
                title: 'Foreign key validated under lock',
                message: `Column ${column.colname} is added to ${displayName(info.relation)} with REFERENCES ${displayName(constraint.pktable)}${stringValue(constraint.pk_attrs?.[0]) ? ` (${stringValue(constraint.pk_attrs?.[0])})` : ''}. ${WHY} ${advice.advice}`,
                suggestion: advice.suggestion,
                fix: advice.fix,
              }),
            );
          }
        }
      }
    }
    return hits;
  },
);
