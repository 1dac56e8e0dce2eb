import { nodeBody, stringValue, type RangeVar } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { ChangeView, tableKey } from './schema-support/history.js';
import { charOffset, quoteQualified } from './schema-support/text.js';

interface GrantNode {
  is_grant?: boolean;
  targtype?: string;
  objtype?: string;
  objects?: unknown[];
  privileges?: unknown[];
  grantees?: unknown[];
}

interface Grantee {
  name: string;
  location?: number;
}

function anonGrantees(grantees: unknown[] | undefined): Grantee[] {
  return (grantees ?? []).flatMap((grantee) => {
    const role = nodeBody<{ roletype?: string; rolename?: string; location?: number }>(grantee, 'RoleSpec');
    if (role?.roletype === 'ROLESPEC_PUBLIC') return [{ name: 'PUBLIC', location: role.location }];
    if (role?.roletype === 'ROLESPEC_CSTRING' && role.rolename === 'anon') return [{ name: 'anon', location: role.location }];
    return [];
  });
}

function privilegeList(privileges: unknown[] | undefined): string {
  if (!privileges || privileges.length === 0) return 'ALL';
  return privileges.map((privilege) => (nodeBody<{ priv_name?: string }>(privilege, 'AccessPriv')?.priv_name ?? '').toUpperCase()).join(', ');
}

export const rule = defineSchemaRule({
  id: 'grant-to-anon',
  defaultSeverity: 'warning',
  description: 'Table privileges granted to `anon` (or PUBLIC): signed-out visitors get them through the Data API, limited only by RLS.',
  fixable: false,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const defaults = nodeBody<{ action?: GrantNode }>(statement.node, 'AlterDefaultPrivilegesStmt');
      const grant = defaults?.action ?? nodeBody<GrantNode>(statement.node, 'GrantStmt');
      if (!grant?.is_grant || grant.objtype !== 'OBJECT_TABLE') continue;
      const grantees = anonGrantees(grant.grantees);
      const grantee = grantees[0];
      if (!grantee) continue;
      const privileges = privilegeList(grant.privileges);
      const who = grantee.name === 'PUBLIC' ? 'PUBLIC (every role, `anon` included)' : '`anon` (anyone holding the project\'s public anon key, signed in or not)';
      const location = grantee.location === undefined || grantee.location < 0 ? undefined : charOffset(file, grantee.location);
      if (defaults || grant.targtype !== 'ACL_TARGET_OBJECT') {
        const scope = defaults ? 'every table created from now on' : `every table in schema ${(grant.objects ?? []).map((object) => stringValue(object)).join(', ')}`;
        hits.push({
          statement,
          location,
          title: 'Table privileges granted to anon',
          message: `${privileges} on ${scope} is granted to ${who}. Any of those tables without row level security is then open to the internet through the Data API. Grant to \`authenticated\` (or specific tables) instead, and keep RLS on every exposed table.`,
        });
        continue;
      }
      const view = new ChangeView(ctx, file, statement);
      for (const object of grant.objects ?? []) {
        const table = nodeBody<RangeVar>(object, 'RangeVar');
        if (!table?.relname) continue;
        const key = tableKey(table);
        const name = quoteQualified(table.schemaname, table.relname);
        const rls = view.rlsEnabled(key);
        const openTable = !rls && view.tableIsNew(key);
        hits.push({
          statement,
          location,
          severity: rls ? 'notice' : undefined,
          title: 'Table privileges granted to anon',
          message: rls
            ? `${privileges} on ${name} is granted to ${who}; this change enables RLS on it, so its policies decide what anon can do. Make sure none of them is meant for signed-in users only.`
            : openTable
              ? `${privileges} on ${name} is granted to ${who}, and the table is created in this change without row level security (see rls-not-enabled): anyone can use those privileges on every row through the Data API. Enable RLS on it and add policies, or grant to \`authenticated\` only.`
              : `${privileges} on ${name} is granted to ${who}. Unless RLS is enabled on the table with policies that limit anon, anyone can use those privileges on every row through the Data API. Grant to \`authenticated\` if signed-out access is not intended.`,
        });
      }
    }
    return hits;
  },
});
