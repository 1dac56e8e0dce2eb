/**
 * Rows in every ops table for one org, written the way the control plane writes them: through
 * the RPCs where one exists (scans, config publishing, heartbeats, drift, runs), plain inserts
 * for the rest.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Queryable } from '../../app/checks/schema-safety/shadow/index.js';

export interface OrgFixture {
  label: string;
  orgId: string;
  /** An auth user who is a member of this org only. */
  userId: string;
  projectId: string;
  scanId: number;
  riskId: number;
  artifactId: number;
  versionId: number;
  /** Both active consumers drift (the second has never reported); the retired one is left out of detection. */
  consumerId: number;
  secondConsumerId: number;
  retiredConsumerId: number;
  runId: number;
  baselineDefinitionId: number;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function one<T = Record<string, unknown>>(db: Queryable, sql: string, params?: unknown[]): Promise<T> {
  const { rows } = await db.query<T>(sql, params);
  const row = rows[0];
  if (rows.length !== 1 || row === undefined) throw new Error(`expected one row from: ${sql} (got ${rows.length})`);
  return row;
}

export async function createUser(db: Queryable, email: string): Promise<string> {
  const id = randomUUID();
  await db.query('insert into auth.users (id, email) values ($1, $2)', [id, email]);
  return id;
}

export async function createOrg(db: Queryable, label: string): Promise<{ orgId: string; userId: string; projectId: string }> {
  const orgId = randomUUID();
  const projectId = randomUUID();
  const userId = await createUser(db, `${label}@example.com`);
  await db.query('insert into ops.orgs (id, slug, name) values ($1, $2, $3)', [orgId, `org-${label}`, `Org ${label}`]);
  await db.query(`insert into ops.org_memberships (org_id, user_id, role) values ($1, $2, 'member')`, [orgId, userId]);
  await db.query(`insert into ops.platform_projects (id, org_id, slug, name, provider) values ($1, $2, 'web', 'Web', 'supabase')`, [projectId, orgId]);
  return { orgId, userId, projectId };
}

export async function seedOrg(db: Queryable, label: string): Promise<OrgFixture> {
  const { orgId, userId, projectId } = await createOrg(db, label);
  await db.query(
    `insert into ops.parity_definitions (org_id, key, title, description, category, severity) values ($1, 'org.custom', 'Custom', 'An org rule', 'security', 'low')`,
    [orgId],
  );

  const { id: scanId } = await one<{ id: number }>(db, 'select ops.start_scan($1::jsonb) as id', [
    JSON.stringify({ org_id: orgId, project_id: projectId, kind: 'database', triggered_by: 'fixture' }),
  ]);
  await db.query('select * from ops.finish_scan($1::jsonb)', [
    JSON.stringify({
      scan_id: scanId,
      status: 'succeeded',
      objects: [{ object_type: 'table', schema_name: 'public', name: 'orders', attributes: { rls: false } }],
      risks: [
        {
          fingerprint: 'rls_disabled_in_public_public_orders',
          rule_id: 'rls_disabled_in_public',
          title: 'RLS disabled',
          severity: 'critical',
          object_identity: 'public.orders',
          remediation: { description: 'Enable RLS', sql: 'alter table public.orders enable row level security;' },
        },
      ],
    }),
  ]);
  const { id: riskId } = await one<{ id: number }>(db, 'select id from ops.risk_register where org_id = $1', [orgId]);
  const { id: baselineDefinitionId } = await one<{ id: number }>(db, `select id from ops.parity_definitions where org_id is null and key = 'rls.exposed_tables'`);
  await db.query(`insert into ops.parity_results (org_id, project_id, definition_id, scan_id, status) values ($1, $2, $3, $4, 'fail')`, [
    orgId,
    projectId,
    baselineDefinitionId,
    scanId,
  ]);
  await db.query(`insert into ops.metrics (org_id, project_id, name, value, unit) values ($1, $2, 'scan.objects', 1, 'count')`, [orgId, projectId]);

  const published = await one<{ version_id: number }>(db, `select * from ops.publish_config_version($1, 'tokens', $2::jsonb, p_kind => 'tokens')`, [
    orgId,
    JSON.stringify({ color: { primary: '#0047ab' } }),
  ]);
  const { id: artifactId } = await one<{ id: number }>(db, `select id from ops.config_artifacts where org_id = $1 and name = 'tokens'`, [orgId]);
  const consumerIds: number[] = [];
  for (const name of ['web@production', 'api@production']) {
    const row = await one<{ id: number }>(db, `insert into ops.config_consumers (org_id, artifact_id, name) values ($1, $2, $3) returning id`, [orgId, artifactId, name]);
    consumerIds.push(row.id);
  }
  const retired = await one<{ id: number }>(db, `insert into ops.config_consumers (org_id, artifact_id, name, status) values ($1, $2, 'legacy@production', 'retired') returning id`, [
    orgId,
    artifactId,
  ]);
  await db.query(`select ops.consumer_heartbeat($1, 'tokens', 'web@production', $2, p_sdk_name => 'tokens-js', p_sdk_version => '1.2.0')`, [
    orgId,
    sha256Hex('an older tokens file'),
  ]);
  await db.query(`select ops.record_config_check($1, 'tokens', 'web@production', 'schema', 'pass')`, [orgId]);
  await db.query(`select * from ops.detect_config_drift($1, now() + interval '1 day')`, [orgId]);

  const kind = `fixture-${label}`;
  await db.query(`insert into ops.runs (org_id, project_id, kind, payload) values ($1, $2, $3, '{"fixture": true}')`, [orgId, projectId, kind]);
  const claimed = await one<{ id: number }>(db, `select * from ops.claim_next_run('fixture-worker', array[$1])`, [kind]);
  await db.query(`select ops.complete_run($1, 'fixture-worker', 'succeeded', '{"ok": true}', p_artifacts => $2::jsonb)`, [
    claimed.id,
    JSON.stringify([{ name: 'report.json', media_type: 'application/json', content: { objects: 1 } }]),
  ]);

  return {
    label,
    orgId,
    userId,
    projectId,
    scanId,
    riskId,
    artifactId,
    versionId: published.version_id,
    consumerId: consumerIds[0]!,
    secondConsumerId: consumerIds[1]!,
    retiredConsumerId: retired.id,
    runId: claimed.id,
    baselineDefinitionId,
  };
}
