import { nodeBody, typeNameOf, type TypeNameNode } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { onlyPrivilegedRoles, policyOf } from './schema-support/policies.js';
import { charOffset } from './schema-support/text.js';

const TRUE_TEXT = new Set(['t', 'true', 'y', 'yes', 'on', '1']);

/** `true`, `(true)`, `'true'::boolean`, `true::bool`: the location of the constant, or undefined. */
function alwaysTrue(expression: unknown): number | undefined {
  const constant = nodeBody<{ boolval?: { boolval?: boolean }; location?: number }>(expression, 'A_Const');
  if (constant?.boolval?.boolval === true) return constant.location ?? -1;
  const cast = nodeBody<{ arg?: unknown; typeName?: TypeNameNode; location?: number }>(expression, 'TypeCast');
  if (cast && ['bool', 'boolean'].includes(typeNameOf(cast.typeName))) {
    const inner = nodeBody<{ sval?: { sval?: string }; boolval?: { boolval?: boolean }; location?: number }>(cast.arg, 'A_Const');
    if (inner?.boolval?.boolval === true || TRUE_TEXT.has((inner?.sval?.sval ?? '').trim().toLowerCase())) return inner?.location ?? -1;
  }
  return undefined;
}

export const rule = defineSchemaRule({
  id: 'policy-always-true',
  defaultSeverity: 'error',
  description: 'An RLS policy for INSERT, UPDATE, DELETE or ALL whose USING or WITH CHECK is `true`: every user it applies to can write every row.',
  fixable: false,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const policy = policyOf(file, ctx, statement);
      if (!policy || !policy.permissive || onlyPrivilegedRoles(policy) || policy.command === 'select') continue;
      const using = alwaysTrue(policy.qual);
      const check = alwaysTrue(policy.withCheck);
      const command = policy.command;
      // INSERT has no USING; DELETE has no WITH CHECK; UPDATE and ALL check both.
      const usingCounts = using !== undefined && command !== 'insert';
      const checkCounts = check !== undefined && command !== 'delete';
      if (!usingCounts && !checkCounts) continue;
      const location = usingCounts ? using : check;
      const roles = policy.roles.length === 0 || policy.roles.includes('public') ? 'every role, anon included' : policy.roles.join(', ');
      const what =
        command === 'insert'
          ? 'insert any row'
          : command === undefined
            ? 'write any row this policy covers'
            : usingCounts
              ? `${command === 'delete' ? 'delete' : command === 'update' ? 'change' : 'read, change and delete'} every row`
              : 'write rows with any values (for example someone else\'s user id)';
      hits.push({
        statement,
        location: location === undefined || location < 0 ? undefined : charOffset(file, location),
        severity: command === 'insert' || command === undefined ? 'warning' : undefined,
        title: 'Policy that is always true',
        message:
          `${policy.label} ${usingCounts ? 'uses `USING (true)`' : 'uses `WITH CHECK (true)`'} for ${command ? command.toUpperCase() : 'its command'}: ${roles} can ${what} through the Data API, as if RLS were off. ` +
          'Write the condition that ties a row to its user, e.g. `using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id)`' +
          (command === 'insert' ? '; if anonymous inserts are intended (a public form), waive this with the reason.' : '.'),
      });
    }
    return hits;
  },
});
