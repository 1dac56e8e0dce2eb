import { randomUUID } from 'node:crypto';
import { isPostgresServerReachable, type Queryable } from '../app/checks/schema-safety/shadow/index.js';
import { openPgControlPlane, openPgliteControlPlane, type ControlPlane, type ScanObject, type ScanRisk } from '../app/control-plane/index.js';
import { openSupabaseControlPlane } from '../app/control-plane/supabase.js';
import { openControlPlaneDb } from '../test/helpers/control-plane-db.js';
import { createOrg } from '../test/helpers/control-plane-fixtures.js';
import { signJwt, startPostgrestLite } from '../test/helpers/postgrest-lite.js';

/**
 * A 10,000-object inventory scan (with 200 risks) written through each control plane adapter:
 * start_scan, then finish_scan with everything in one call and one transaction. PGlite in memory;
 * pg and supabase-js (over HTTP through test/helpers/postgrest-lite.ts) on a fresh database on the
 * Postgres server. The peer is the same objects inserted into ops.inventory_objects by one bare
 * `INSERT ... SELECT FROM jsonb_to_recordset` on the server: what finish_scan's validation,
 * duplicate check and risk bookkeeping cost on top of writing the rows.
 */

const OBJECTS = 10_000;
const RISKS = 200;
const ROUNDS = 3;

function scanPayload(): { objects: ScanObject[]; risks: ScanRisk[] } {
  const objects: ScanObject[] = [];
  for (let index = 0; index < OBJECTS; index++) {
    objects.push({
      object_type: index % 10 === 0 ? 'function' : 'table',
      schema_name: `schema_${index % 20}`,
      name: `object_${index}`,
      attributes: { rls: index % 3 === 0, rows: index * 7, owner: 'postgres', columns: ['id', 'created_at', 'payload'] },
    });
  }
  const risks: ScanRisk[] = [];
  for (let index = 0; index < RISKS; index++) {
    risks.push({
      fingerprint: `rls_disabled_in_public:schema_${index % 20}.object_${index}`,
      rule_id: 'rls_disabled_in_public',
      title: `RLS disabled on object_${index}`,
      severity: 'critical',
      object_identity: `schema_${index % 20}.object_${index}`,
      remediation: { description: 'Enable RLS', sql: `alter table schema_${index % 20}.object_${index} enable row level security;` },
    });
  }
  return { objects, risks };
}

/** Median milliseconds of ROUNDS scans of the same project. */
async function timeScans(controlPlane: ControlPlane, orgId: string, projectId: string, payload: ReturnType<typeof scanPayload>): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const scanId = await controlPlane.startScan({ orgId, projectId, kind: 'database', triggeredBy: 'bench' });
    const result = await controlPlane.finishScan({ scanId, status: 'succeeded', ...payload });
    times.push(performance.now() - started);
    if (result.object_count !== OBJECTS) throw new Error(`${controlPlane.kind}: wrote ${result.object_count} objects of ${OBJECTS}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

async function bareInsert(db: Queryable, orgId: string, projectId: string, payload: ReturnType<typeof scanPayload>): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const { rows } = await db.query<{ id: string }>(
      `insert into ops.inventory_scans (org_id, project_id, kind, status, finished_at) values ($1, $2, 'database', 'succeeded', now()) returning id`,
      [orgId, projectId],
    );
    await db.query(
      `insert into ops.inventory_objects (org_id, scan_id, object_type, schema_name, name, identity, attributes)
       select $1, $2, o.object_type, o.schema_name, o.name, o.schema_name || '.' || o.name, o.attributes
       from jsonb_to_recordset($3::jsonb) as o(object_type text, schema_name text, name text, attributes jsonb)`,
      [orgId, rows[0]!.id, JSON.stringify(payload.objects)],
    );
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

function line(label: string, ms: number): string {
  return `${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms ${((OBJECTS / ms) * 1000).toFixed(0).padStart(9)} objects/s`;
}

export async function benchControlPlaneScan(): Promise<string> {
  const payload = scanPayload();
  const lines = [`one scan of ${OBJECTS} objects and ${RISKS} risks (start_scan + finish_scan), median of ${ROUNDS}:`, ''];

  const embedded = await openPgliteControlPlane({ dataDir: null });
  try {
    const { orgId, projectId } = await createOrg(embedded.db, 'bench');
    lines.push(line('PGlite (embedded, in memory)', await timeScans(embedded, orgId, projectId, payload)));
  } finally {
    await embedded.close();
  }

  if (!(await isPostgresServerReachable())) {
    lines.push('pg and supabase-js: skipped, no Postgres server at 127.0.0.1:5432 (set SHADOW_DATABASE_URL to use another).');
    return lines.join('\n');
  }
  const handle = await openControlPlaneDb('postgres');
  const secret = randomUUID();
  const api = await startPostgrestLite({ connectionString: handle.connectionString!, jwtSecret: secret, schemas: ['ops'] });
  const server = openPgControlPlane({ connectionString: handle.connectionString!, role: 'service_role' });
  const hosted = openSupabaseControlPlane({ url: api.url, serviceRoleKey: signJwt({ role: 'service_role' }, secret) });
  try {
    const { orgId, projectId } = await createOrg(handle.db, 'bench');
    lines.push(line('pg (Postgres server)', await timeScans(server, orgId, projectId, payload)));
    lines.push(line('supabase-js (HTTP, postgrest-lite → server)', await timeScans(hosted, orgId, projectId, payload)));
    lines.push(line('peer: bare INSERT of the objects (server)', await bareInsert(handle.db, orgId, projectId, payload)));
  } finally {
    await hosted.close();
    await server.close();
    await api.close();
    await handle.close();
  }
  return lines.join('\n');
}
