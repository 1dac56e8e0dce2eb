import { dottedName, nodeBody } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { changeModel } from './locking-support/model.js';
import { namesKey } from './locking-support/names.js';
import { constraintOf } from './locking-support/nodes.js';
import { defineRule, hitAt } from './locking-support/rule.js';

/** AlterDomainStmt subtypes: C add constraint, O set not null, V validate constraint. */
const ADD_CONSTRAINT = 'C';
const SET_NOT_NULL = 'O';
const VALIDATE = 'V';

export const rule = defineRule(
  {
    id: 'ban-alter-domain-with-add-constraint',
    defaultSeverity: 'warning',
    description:
      'ALTER DOMAIN ... ADD CONSTRAINT / SET NOT NULL / VALIDATE CONSTRAINT checks every column of every table using the domain while holding a SHARE lock on each (writes wait); use table constraints.',
    fixable: false,
  },
  (file, ctx) => {
    const model = changeModel(file, ctx);
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const alter = nodeBody<{ subtype?: string; typeName?: unknown[]; def?: unknown; name?: string }>(statement.node, 'AlterDomainStmt');
      if (!alter || model.isNewDomain(namesKey(alter.typeName), model.positionOf(file, statement))) continue;
      const domain = dottedName(alter.typeName);
      const scan = `checks every existing value of every column that uses domain ${domain}, holding a SHARE lock on each of those tables: their writes wait until it ends`;
      const instead = 'Put the rule on the tables instead (ALTER TABLE ... ADD CONSTRAINT ... CHECK ... NOT VALID, then VALIDATE CONSTRAINT in a later migration), whose validation does not block writes.';
      if (alter.subtype === ADD_CONSTRAINT) {
        const constraint = constraintOf(alter.def);
        // NOT VALID skips the scan now; VALIDATE is reported when it comes.
        if (constraint?.skip_validation) continue;
        hits.push(hitAt(file, statement, { byteLocation: constraint?.location, title: 'Domain constraint checked under lock', message: `Adding a constraint to a domain ${scan}. ${instead}` }));
      } else if (alter.subtype === SET_NOT_NULL) {
        hits.push(hitAt(file, statement, { title: 'Domain NOT NULL checked under lock', message: `SET NOT NULL on a domain ${scan}. ${instead}` }));
      } else if (alter.subtype === VALIDATE) {
        hits.push(hitAt(file, statement, { title: 'Domain constraint validated under lock', message: `Unlike a table's VALIDATE CONSTRAINT, validating a domain constraint ${scan}. ${instead}` }));
      }
    }
    return hits;
  },
);
