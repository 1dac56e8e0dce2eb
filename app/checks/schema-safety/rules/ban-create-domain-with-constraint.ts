import { dottedName, nodeBody } from '../sql/ast.js';
import { defineSchemaRule } from './schema-support/define.js';
import { charOffset } from './schema-support/text.js';

export const rule = defineSchemaRule({
  id: 'ban-create-domain-with-constraint',
  defaultSeverity: 'notice',
  description: 'A domain with a CHECK or NOT NULL constraint: changing it later checks every column of that type at once, with no NOT VALID escape.',
  fixable: false,
  check(file) {
    return file.statements.flatMap((statement) => {
      const domain = nodeBody<{ domainname?: unknown[]; constraints?: unknown[] }>(statement.node, 'CreateDomainStmt');
      const first = nodeBody<{ location?: number }>(domain?.constraints?.[0], 'Constraint');
      if (!domain || !first) return [];
      return [
        {
          statement,
          location: first.location === undefined ? undefined : charOffset(file, first.location),
          title: 'Domain with a constraint',
          message:
            `Domain ${dottedName(domain.domainname)} carries a constraint. Changing it later (\`ALTER DOMAIN ... ADD CONSTRAINT\`) validates every column of every table using the domain in one statement, under locks on all of them, and a NOT NULL domain does not even keep NULLs out (outer joins and new columns produce them). ` +
            'Put the CHECK / NOT NULL on the columns instead, where each table can be migrated on its own.',
        },
      ];
    });
  },
});
