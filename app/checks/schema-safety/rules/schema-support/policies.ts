import { nodeBody, type RangeVar } from '../../sql/ast.js';
import type { MigrationRuleContext, ParsedMigration, SqlStatement } from '../../types.js';
import { ChangeView, tableKey } from './history.js';
import { quoteQualified } from './text.js';

/** A CREATE POLICY or ALTER POLICY statement, with what it applies to. */
export interface PolicyStatement {
  statement: SqlStatement;
  create: boolean;
  name: string;
  table: RangeVar;
  /** `all`, `select`, `insert`, `update`, `delete`; undefined for ALTER POLICY on a policy this change did not create. */
  command?: string;
  permissive: boolean;
  roles: string[];
  qual?: unknown;
  withCheck?: unknown;
  label: string;
}

interface PolicyNode {
  policy_name?: string;
  table?: RangeVar;
  cmd_name?: string;
  permissive?: boolean;
  roles?: unknown[];
  qual?: unknown;
  with_check?: unknown;
}

function roleNames(roles: unknown[] | undefined): string[] {
  return (roles ?? []).map((role) => {
    const spec = nodeBody<{ roletype?: string; rolename?: string }>(role, 'RoleSpec');
    return spec?.roletype === 'ROLESPEC_CSTRING' ? (spec.rolename ?? '') : spec?.roletype === 'ROLESPEC_PUBLIC' ? 'public' : (spec?.roletype ?? '').toLowerCase();
  });
}

export function policyOf(file: ParsedMigration, ctx: MigrationRuleContext, statement: SqlStatement): PolicyStatement | undefined {
  const create = nodeBody<PolicyNode>(statement.node, 'CreatePolicyStmt');
  const alter = create ? undefined : nodeBody<PolicyNode>(statement.node, 'AlterPolicyStmt');
  const policy = create ?? alter;
  if (!policy?.table || !policy.policy_name) return undefined;
  const command = create ? (policy.cmd_name ?? 'all') : new ChangeView(ctx, file, statement).policyCommand(tableKey(policy.table), policy.policy_name);
  return {
    statement,
    create: Boolean(create),
    name: policy.policy_name,
    table: policy.table,
    command,
    // Protobuf JSON leaves false out: a restrictive policy has no `permissive` field.
    permissive: create ? policy.permissive === true : true,
    roles: create ? roleNames(policy.roles ?? []) : roleNames(policy.roles),
    qual: policy.qual,
    withCheck: policy.with_check,
    label: `policy "${policy.policy_name}" on ${quoteQualified(policy.table.schemaname, policy.table.relname ?? '')}`,
  };
}

/** Roles that bypass RLS anyway: a policy only for them opens nothing. */
const PRIVILEGED = new Set(['service_role', 'postgres', 'supabase_admin']);

export function onlyPrivilegedRoles(policy: PolicyStatement): boolean {
  return policy.roles.length > 0 && policy.roles.every((role) => PRIVILEGED.has(role));
}
