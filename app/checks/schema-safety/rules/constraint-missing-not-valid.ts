import type { RuleHit, SqlStatement } from '../types.js';
import { nameOfConstraint, withNotValid } from './locking-support/constraints.js';
import { followUpFile, removeStatement, writeFileFix } from './locking-support/edits.js';
import { rewriteWithFollowUp } from './locking-support/fixes.js';
import { displayName, qualifiedName, quoteIdent, slug } from './locking-support/names.js';
import { alterTables, constraintOf } from './locking-support/nodes.js';
import { defineRule, hitAt } from './locking-support/rule.js';
import { sameTransaction } from './locking-support/transactions.js';

const VALIDATE_COMMENT = (name: string): string =>
  `Validates ${name} after the NOT VALID constraint committed: the scan takes SHARE UPDATE EXCLUSIVE, so reads and writes go on.`;

export const rule = defineRule(
  {
    id: 'constraint-missing-not-valid',
    defaultSeverity: 'warning',
    description:
      'A CHECK constraint added to an existing table without NOT VALID (the scan blocks reads and writes), or validated in the same transaction that added it NOT VALID (which gains nothing).',
    fixable: true,
  },
  (file, ctx) => {
    const hits: RuleHit[] = [];
    // NOT VALID constraints added in this file, by `table/constraint`, to catch a VALIDATE in the same transaction.
    const notValid = new Map<string, SqlStatement>();
    for (const info of alterTables(file, ctx)) {
      for (const command of info.commands) {
        if (command.subtype === 'AT_AddConstraint') {
          const constraint = constraintOf(command.def);
          if (!constraint) continue;
          const { name, generated } = nameOfConstraint(constraint, info.relation.relname ?? '');
          if (constraint.skip_validation) {
            notValid.set(`${info.table}/${name}`, info.statement);
            continue;
          }
          // Foreign keys, NOT NULL, UNIQUE and PRIMARY KEY have rules of their own.
          if (constraint.contype !== 'CONSTR_CHECK' || !info.existing) continue;
          const rewritten = info.commands.length === 1 ? withNotValid(file, info.statement, constraint, name, generated) : undefined;
          const advice = rewritten
            ? rewriteWithFollowUp(file, ctx, info.statement, rewritten, `ALTER TABLE ${qualifiedName(info.relation)} VALIDATE CONSTRAINT ${quoteIdent(name)};`, {
                name: `validate_${name}`,
                comment: VALIDATE_COMMENT(name),
                description: `Validate ${name} in a migration of its own`,
              })
            : { advice: 'Add each CHECK constraint as `NOT VALID` (one ALTER TABLE per constraint), then `VALIDATE CONSTRAINT` in a later migration file.' };
          hits.push(
            hitAt(file, info.statement, {
              byteLocation: constraint.location,
              title: 'CHECK constraint validated under lock',
              message:
                `CHECK constraint ${name} on ${displayName(info.relation)} is checked against every existing row while ALTER TABLE holds an ACCESS EXCLUSIVE lock: ` +
                `reads and writes wait for the whole scan. ${advice.advice}`,
              suggestion: advice.suggestion,
              fix: advice.fix,
            }),
          );
        } else if (command.subtype === 'AT_ValidateConstraint' && command.name) {
          const added = notValid.get(`${info.table}/${command.name}`);
          if (!added || !info.existing || !sameTransaction(file, ctx, added, info.statement)) continue;
          const followUp = info.commands.length === 1 ? followUpFile(file, ctx, info.statement, slug(`validate_${command.name}`)) : undefined;
          const sql = `ALTER TABLE ${qualifiedName(info.relation)} VALIDATE CONSTRAINT ${quoteIdent(command.name)};`;
          const where = ctx.inTransaction ? 'the transaction the Supabase CLI wraps around this file' : 'the same transaction';
          hits.push(
            hitAt(file, info.statement, {
              title: 'NOT VALID and VALIDATE in one transaction',
              message:
                `${command.name} is added NOT VALID at line ${added.line} and validated here, in ${where}. The lock taken by the ADD is held until commit, ` +
                `so the validating scan runs under it and NOT VALID gains nothing. Move \`${sql}\` to a later migration file` +
                (followUp ? `: the fix writes ${followUp.path}; the suggestion removes it here.` : '.'),
              suggestion: followUp ? removeStatement(file, info.statement) : undefined,
              fix: followUp ? writeFileFix(followUp, VALIDATE_COMMENT(command.name), sql, `Move the VALIDATE to ${followUp.path}`) : undefined,
            }),
          );
        }
      }
    }
    return hits;
  },
);
