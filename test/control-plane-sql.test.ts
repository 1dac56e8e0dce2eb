import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Queryable, ShadowDatabase } from '../app/checks/schema-safety/shadow/index.js';
import { connectAs, openControlPlaneDb, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { createOrg, createUser, one, seedOrg, sha256Hex, type OrgFixture } from './helpers/control-plane-fixtures.js';
import { serverAvailable } from './helpers/postgres-server.js';

const serverUp = await serverAvailable();

const OPS_TABLES = [
  'orgs',
  'org_memberships',
  'platform_projects',
  'inventory_scans',
  'inventory_objects',
  'risk_register',
  'remediation_plans',
  'audit_log',
  'metrics',
  'parity_definitions',
  'parity_results',
  'config_artifacts',
  'config_versions',
  'config_consumers',
  'config_checks',
  'config_rollouts',
  'config_drift_events',
  'runs',
  'run_events',
  'artifacts',
] as const;
type OpsTable = (typeof OPS_TABLES)[number];

const APPEND_ONLY = new Set<OpsTable>(['config_versions', 'audit_log']);

interface SqlFailure {
  code?: string;
  message: string;
  detail?: string;
  column?: string;
}

async function failure(promise: Promise<unknown>): Promise<SqlFailure> {
  try {
    await promise;
  } catch (error) {
    return error as SqlFailure;
  }
  throw new Error('expected the statement to fail');
}

/** A bad-input error: 22023, and the field named in the message and in DETAIL (and COLUMN where the driver reports it). */
async function expectInvalid(promise: Promise<unknown>, field: string): Promise<void> {
  const error = await failure(promise);
  expect({ code: error.code, detail: error.detail }).toEqual({ code: '22023', detail: `field: ${field}` });
  expect(error.message).toContain(`invalid ${field}:`);
  if (error.column !== undefined) expect(error.column).toBe(field);
}

function jsonParam(value: unknown): string {
  return JSON.stringify(value);
}

async function count(db: Queryable, sql: string, params?: unknown[]): Promise<number> {
  return Number((await one<{ n: number }>(db, `select count(*)::int as n from (${sql}) counted`, params)).n);
}

describe('control plane SQL on PGlite', () => {
  let handle: ControlPlaneDb;
  let db: ShadowDatabase;

  beforeAll(async () => {
    handle = await openControlPlaneDb('pglite');
    db = handle.db;
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('applies the migrations and the seed from scratch', async () => {
    const tables = await db.query<{ relname: string }>(`select relname from pg_catalog.pg_class where relnamespace = 'ops'::regnamespace and relkind = 'r' order by relname`);
    expect(tables.rows.map((row) => row.relname)).toEqual([...OPS_TABLES].sort());
    expect(await count(db, 'select 1 from ops.parity_definitions where org_id is null')).toBeGreaterThanOrEqual(10);
  });

  it('runs the seed again without adding rows', async () => {
    const before = await count(db, 'select 1 from ops.parity_definitions');
    const { controlPlaneSeedFile } = await import('./helpers/control-plane-db.js');
    await db.exec(controlPlaneSeedFile().text);
    expect(await count(db, 'select 1 from ops.parity_definitions')).toBe(before);
  });

  it('has row level security on every table and one select policy for authenticated on each', async () => {
    const { rows } = await db.query<{ relname: string; rls: boolean; policies: string[] }>(`
      select c.relname, c.relrowsecurity as rls,
        coalesce((select array_agg(p.polname::text || ':' || p.polcmd::text || ':' || array_to_string(array(select r.rolname::text from pg_catalog.pg_roles r where r.oid = any (p.polroles)), ','))
                  from pg_catalog.pg_policy p where p.polrelid = c.oid), '{}') as policies
      from pg_catalog.pg_class c where c.relnamespace = 'ops'::regnamespace and c.relkind = 'r'`);
    for (const row of rows) {
      expect({ table: row.relname, rls: row.rls, policies: row.policies }).toEqual({ table: row.relname, rls: true, policies: [`${row.relname}_select_member:r:authenticated`] });
    }
  });

  it('keys every table with an identity or a uuid, uses timestamptz only, and checks every enum-like column', async () => {
    const keys = await db.query<{ relname: string; key_types: string[]; identity: string[] }>(`
      select c.relname,
        array(select format_type(a.atttypid, a.atttypmod) from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attnum = any (con.conkey)) as key_types,
        array(select a.attidentity::text from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attnum = any (con.conkey)) as identity
      from pg_catalog.pg_class c join pg_catalog.pg_constraint con on con.conrelid = c.oid and con.contype = 'p'
      where c.relnamespace = 'ops'::regnamespace and c.relkind = 'r'`);
    expect(keys.rows).toHaveLength(OPS_TABLES.length);
    for (const row of keys.rows) {
      const described = { table: row.relname, keys: row.key_types.map((type, index) => `${type}${row.identity[index] === 'a' ? ' identity always' : ''}`) };
      // org_memberships is keyed by its two foreign keys.
      const expected = row.relname === 'org_memberships' ? ['uuid', 'uuid'] : [described.keys[0] === 'uuid' ? 'uuid' : 'bigint identity always'];
      expect(described).toEqual({ table: row.relname, keys: expected });
    }

    const timestamps = await db.query<{ column: string }>(`
      select table_name || '.' || column_name as column from information_schema.columns
      where table_schema = 'ops' and data_type in ('timestamp without time zone', 'time without time zone', 'time with time zone')`);
    expect(timestamps.rows).toEqual([]);

    const unchecked = await db.query<{ column: string }>(`
      select c.relname || '.' || a.attname as column
      from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid
      where c.relnamespace = 'ops'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
        and a.attname in ('status', 'severity', 'level', 'kind', 'role', 'environment', 'provider', 'category', 'source', 'registered_by', 'object_type', 'applies_to')
        and not exists (select 1 from pg_catalog.pg_constraint con where con.conrelid = c.oid and con.contype = 'c' and a.attnum = any (con.conkey))`);
    expect(unchecked.rows).toEqual([]);
  });

  it("pins every function's search_path and grants EXECUTE only to the roles that call it", async () => {
    const { rows } = await db.query<{ schema: string; name: string; config: string[] | null; public: boolean; anon: boolean; authenticated: boolean; service_role: boolean; definer: boolean }>(`
      select p.pronamespace::regnamespace::text as schema, p.proname as name, p.proconfig as config, p.prosecdef as definer,
        p.proacl is null or exists (select 1 from pg_catalog.aclexplode(p.proacl) acl where acl.grantee = 0) as public,
        has_function_privilege('anon', p.oid, 'execute') as anon,
        has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
        has_function_privilege('service_role', p.oid, 'execute') as service_role
      from pg_catalog.pg_proc p where p.pronamespace in ('ops'::regnamespace, 'ops_private'::regnamespace)`);
    expect(rows.length).toBeGreaterThan(20);
    // The one function signed-in users execute (through the policies) is outside the exposed `ops`.
    expect(rows.filter((row) => row.authenticated || row.definer).map((row) => `${row.schema}.${row.name}`)).toEqual(['ops_private.member_org_ids']);
    const rpcs = ['publish_config_version', 'rollback_config', 'consumer_heartbeat', 'record_config_check', 'detect_config_drift', 'start_scan', 'finish_scan', 'claim_next_run', 'append_run_event', 'complete_run'];
    for (const rpc of rpcs) expect(rows.map((row) => row.name)).toContain(rpc);
    for (const row of rows) {
      expect({ name: row.name, config: row.config }).toEqual({ name: row.name, config: ['search_path=""'] });
      expect({ name: row.name, public: row.public, anon: row.anon }).toEqual({ name: row.name, public: false, anon: false });
      expect({ name: row.name, authenticated: row.authenticated, definer: row.definer }).toEqual({
        name: row.name,
        authenticated: row.name === 'member_org_ids',
        definer: row.name === 'member_org_ids',
      });
      if (rpcs.includes(row.name)) expect({ name: row.name, service_role: row.service_role }).toEqual({ name: row.name, service_role: true });
    }
  });

  it('gives a table added to ops later no privileges for anon or authenticated', async () => {
    await db.query('begin');
    try {
      await db.query('create table ops.added_later (id bigint generated always as identity primary key)');
      const privileges = await one<Record<string, boolean>>(
        db,
        `select has_table_privilege('anon', 'ops.added_later', 'select') as anon_select,
                has_table_privilege('authenticated', 'ops.added_later', 'select') as authenticated_select,
                has_table_privilege('authenticated', 'ops.added_later', 'insert') as authenticated_insert,
                has_table_privilege('service_role', 'ops.added_later', 'insert') as service_insert,
                has_table_privilege('service_role', 'ops.added_later', 'delete') as service_delete`,
      );
      expect(privileges).toEqual({ anon_select: false, authenticated_select: false, authenticated_insert: false, service_insert: true, service_delete: true });
    } finally {
      await db.query('rollback');
    }
  });

  describeRpcSemantics(() => db);
});

/** Config, scan, queue and bad-input semantics: the same assertions on each database. */
function describeRpcSemantics(getDb: () => Queryable): void {
  describe('RPCs', () => {
    let db: Queryable;
    let org: { orgId: string; userId: string; projectId: string };

    beforeAll(async () => {
      db = getDb();
      org = await createOrg(db, `rpc-${randomUUID().slice(0, 8)}`);
    });

    const publish = (artifact: string, content: unknown, extra = '') =>
      one<{ version_id: number; version: number; content_hash: string; created: boolean }>(
        db,
        `select * from ops.publish_config_version($1, $2, $3::jsonb, p_kind => 'tokens'${extra})`,
        [org.orgId, artifact, jsonParam(content)],
      );

    it('publishes the same content once: a second publish returns the existing version', async () => {
      const first = await publish('palette', { primary: 'blue' });
      const second = await publish('palette', { primary: 'blue' });
      expect(first).toMatchObject({ version: 1, created: true });
      expect(second).toEqual({ ...first, created: false });
      const hash = await one<{ hash: string }>(db, `select encode(sha256(convert_to($1::jsonb::text, 'UTF8')), 'hex') as hash`, [jsonParam({ primary: 'blue' })]);
      expect(first.content_hash).toBe(hash.hash);
      expect(await count(db, `select 1 from ops.config_versions v join ops.config_artifacts a on a.id = v.artifact_id where a.org_id = $1 and a.name = 'palette'`, [org.orgId])).toBe(1);
      expect(await count(db, `select 1 from ops.audit_log where org_id = $1 and action = 'config.publish'`, [org.orgId])).toBe(1);
    });

    it('rolls back as a new version carrying the old content, and keeps history growing', async () => {
      const v1 = await publish('spacing', { base: 4 });
      const v2 = await publish('spacing', { base: 8 });
      const rollback = await one<{ version_id: number; version: number; content_hash: string; created: boolean }>(
        db,
        `select * from ops.rollback_config($1, 'spacing', 1, p_actor => 'alice', p_reason => 'layout broke')`,
        [org.orgId],
      );
      expect(rollback).toMatchObject({ version: 3, content_hash: v1.content_hash, created: true });
      const versions = await db.query<{ version: number; kind: string; restores: number | null; content: unknown }>(
        `select v.version, v.kind, r.version as restores, v.content from ops.config_versions v
         join ops.config_artifacts a on a.id = v.artifact_id left join ops.config_versions r on r.id = v.restores_version_id
         where a.org_id = $1 and a.name = 'spacing' order by v.version`,
        [org.orgId],
      );
      expect(versions.rows).toEqual([
        { version: 1, kind: 'publish', restores: null, content: { base: 4 } },
        { version: 2, kind: 'publish', restores: null, content: { base: 8 } },
        { version: 3, kind: 'rollback', restores: 1, content: { base: 4 } },
      ]);
      // The rollback is the target now: only one active rollout, to version 3.
      const rollouts = await db.query<{ version_id: number }>(
        `select r.version_id from ops.config_rollouts r join ops.config_artifacts a on a.id = r.artifact_id where a.org_id = $1 and a.name = 'spacing' and r.status = 'active'`,
        [org.orgId],
      );
      expect(rollouts.rows).toEqual([{ version_id: rollback.version_id }]);
      expect(v2.version).toBe(2);
      await expectInvalid(db.query(`select * from ops.rollback_config($1, 'spacing', 3)`, [org.orgId]), 'to_version');
      await expectInvalid(db.query(`select * from ops.rollback_config($1, 'spacing', 9)`, [org.orgId]), 'to_version');
    });

    it('keeps config_versions and audit_log append-only', async () => {
      await publish('append-only', { a: 1 });
      for (const statement of [
        `update ops.config_versions set published_by = 'mallory' where org_id = $1`,
        `delete from ops.config_versions where org_id = $1`,
        `update ops.audit_log set actor = 'mallory' where org_id = $1`,
        `delete from ops.audit_log where org_id = $1`,
      ]) {
        const error = await failure(db.query(statement, [org.orgId]));
        expect({ statement, code: error.code }).toEqual({ statement, code: '55000' });
        expect(error.message).toMatch(/is append-only: (update|delete) is not allowed/);
      }
      for (const table of ['config_versions', 'audit_log']) {
        const error = await failure(db.query(`truncate ops.${table} cascade`));
        expect({ table, code: error.code }).toEqual({ table, code: '55000' });
      }
    });

    it('rejects a heartbeat from an unknown consumer unless the artifact allows self-registration', async () => {
      const v1 = await publish('flags', { beta: false });
      const error = await failure(db.query(`select ops.consumer_heartbeat($1, 'flags', 'stranger@production', $2)`, [org.orgId, v1.content_hash]));
      expect({ code: error.code, detail: error.detail }).toEqual({ code: '42704', detail: 'field: consumer' });
      expect(await count(db, `select 1 from ops.config_consumers c join ops.config_artifacts a on a.id = c.artifact_id where a.org_id = $1 and a.name = 'flags'`, [org.orgId])).toBe(0);

      await db.query(`update ops.config_artifacts set allow_self_registration = true where org_id = $1 and name = 'flags'`, [org.orgId]);
      const consumer = await one<{ name: string; registered_by: string; applied_hash: string; applied_version_id: number; sdk_name: string }>(
        db,
        `select * from ops.consumer_heartbeat($1, 'flags', 'stranger@production', $2, p_sdk_name => 'flags-js', p_environment => 'production')`,
        [org.orgId, v1.content_hash],
      );
      expect(consumer).toMatchObject({ name: 'stranger@production', registered_by: 'self', applied_hash: v1.content_hash, applied_version_id: v1.version_id, sdk_name: 'flags-js' });
    });

    it('records config checks and names the bad field', async () => {
      await publish('checked', { a: 1 });
      const artifact = await one<{ id: number }>(db, `select id from ops.config_artifacts where org_id = $1 and name = 'checked'`, [org.orgId]);
      await db.query(`insert into ops.config_consumers (org_id, artifact_id, name) values ($1, $2, 'web')`, [org.orgId, artifact.id]);
      await db.query(`select ops.consumer_heartbeat($1, 'checked', 'web', p_version => 1)`, [org.orgId]);
      const { id } = await one<{ id: number }>(db, `select ops.record_config_check($1, 'checked', 'web', 'schema', 'fail', p_details => '{"errors": 2}') as id`, [org.orgId]);
      expect(await one(db, `select c.status, c.details, v.version from ops.config_checks c join ops.config_versions v on v.id = c.version_id where c.id = $1`, [id])).toEqual({
        status: 'fail',
        details: { errors: 2 },
        version: 1,
      });
      await expectInvalid(db.query(`select ops.record_config_check($1, 'checked', 'web', 'schema', 'green')`, [org.orgId]), 'status');
    });

    it('opens one drift event per consumer and version after the grace period, however often detection runs', async () => {
      const v1 = await publish('theme', { mode: 'light' }, ', p_grace_seconds => 600');
      const artifact = await one<{ id: number }>(db, `select id from ops.config_artifacts where org_id = $1 and name = 'theme'`, [org.orgId]);
      const consumer = await one<{ id: number }>(db, `insert into ops.config_consumers (org_id, artifact_id, name) values ($1, $2, 'docs') returning id`, [org.orgId, artifact.id]);
      await db.query(`select ops.consumer_heartbeat($1, 'theme', 'docs', $2)`, [org.orgId, sha256Hex('stale')]);
      const detect = (offset: string) => one<{ opened: number; resolved: number }>(db, `select * from ops.detect_config_drift($1, now() + $2::interval)`, [org.orgId, offset]);
      const events = () => db.query<{ status: string; expected_version_id: number }>(`select status, expected_version_id from ops.config_drift_events where consumer_id = $1 order by id`, [consumer.id]);

      expect(await detect('1 minute')).toEqual({ opened: 0, resolved: 0 });
      expect(await detect('11 minutes')).toEqual({ opened: 1, resolved: 0 });
      expect(await detect('12 minutes')).toEqual({ opened: 0, resolved: 0 });
      expect(await detect('1 day')).toEqual({ opened: 0, resolved: 0 });
      expect((await events()).rows).toEqual([{ status: 'open', expected_version_id: v1.version_id }]);

      await db.query(`select ops.consumer_heartbeat($1, 'theme', 'docs', $2)`, [org.orgId, v1.content_hash]);
      expect(await detect('1 day')).toEqual({ opened: 0, resolved: 1 });
      await db.query(`select ops.consumer_heartbeat($1, 'theme', 'docs', $2)`, [org.orgId, sha256Hex('stale')]);
      expect(await detect('1 day')).toEqual({ opened: 1, resolved: 0 });
      expect((await events()).rows).toEqual([{ status: 'open', expected_version_id: v1.version_id }]);

      // A new version moves the target: the old event resolves, the new one waits for its grace period.
      const v2 = await publish('theme', { mode: 'dark' }, ', p_grace_seconds => 600');
      expect(await detect('1 minute')).toEqual({ opened: 0, resolved: 1 });
      expect(await detect('1 day')).toEqual({ opened: 1, resolved: 0 });
      expect((await events()).rows).toEqual([
        { status: 'resolved', expected_version_id: v1.version_id },
        { status: 'open', expected_version_id: v2.version_id },
      ]);
    });

    it('writes nothing for a publish that fails validation', async () => {
      const before = await count(db, 'select 1 from ops.config_artifacts where org_id = $1', [org.orgId]);
      await expectInvalid(publish('too-big', { blob: 'x'.repeat(1_100_000) }), 'content');
      await expectInvalid(db.query(`select * from ops.publish_config_version($1, 'odd', '{"a": 1}', p_kind => 'colours')`, [org.orgId]), 'kind');
      await expectInvalid(db.query(`select * from ops.publish_config_version($1, 'no-kind', '{"a": 1}')`, [org.orgId]), 'kind');
      await expectInvalid(db.query(`select * from ops.publish_config_version($1, 'nothing', null, p_kind => 'tokens')`, [org.orgId]), 'content');
      await expectInvalid(db.query(`select * from ops.publish_config_version($1, 'scalar', '42', p_kind => 'tokens')`, [org.orgId]), 'content');
      await expectInvalid(db.query(`select * from ops.publish_config_version($1, 'Bad Name', '{}', p_kind => 'tokens')`, [org.orgId]), 'artifact');
      await expectInvalid(db.query(`select * from ops.publish_config_version($1, 'hash', '{}', p_content_hash => 'abc', p_kind => 'tokens')`, [org.orgId]), 'content_hash');
      await expectInvalid(db.query(`select * from ops.publish_config_version(null, 'x', '{}', p_kind => 'tokens')`), 'org_id');
      await expectInvalid(db.query(`select * from ops.publish_config_version($1, 'x', '{}', p_kind => 'tokens')`, [randomUUID()]), 'org_id');
      expect(await count(db, 'select 1 from ops.config_artifacts where org_id = $1', [org.orgId])).toBe(before);
    });

    it('writes a scan with its objects and risks, resolves risks a later scan no longer reports, and reopens them', async () => {
      const start = async () =>
        (await one<{ id: number }>(db, 'select ops.start_scan($1::jsonb) as id', [jsonParam({ org_id: org.orgId, project_id: org.projectId, kind: 'database' })])).id;
      const risk = (fingerprint: string, severity = 'high') => ({ fingerprint, rule_id: 'rule', title: fingerprint, severity, remediation: { description: 'fix it', sql: `-- fix ${fingerprint}` } });
      const objects = Array.from({ length: 250 }, (_, index) => ({ object_type: 'table', schema_name: 'public', name: `t${index}` }));

      const first = await start();
      const finished = await one(db, 'select * from ops.finish_scan($1::jsonb)', [
        jsonParam({ scan_id: first, status: 'succeeded', objects, risks: [risk('a'), risk('b')], summary: { tables: 250 } }),
      ]);
      expect(finished).toEqual({ scan_id: first, status: 'succeeded', object_count: 250, risk_count: 2, resolved_count: 0 });
      expect(await count(db, 'select 1 from ops.inventory_objects where scan_id = $1', [first])).toBe(250);
      expect(await one(db, `select status, object_count, summary from ops.inventory_scans where id = $1`, [first])).toEqual({ status: 'succeeded', object_count: 250, summary: { tables: 250 } });

      // Ids may come as strings of digits, as JavaScript clients carry bigints.
      const second = await start();
      expect(await one(db, 'select * from ops.finish_scan($1::jsonb)', [jsonParam({ scan_id: String(second), status: 'succeeded', risks: [risk('a', 'critical')] })])).toMatchObject({
        risk_count: 1,
        resolved_count: 1,
      });
      const third = await start();
      await db.query('select * from ops.finish_scan($1::jsonb)', [jsonParam({ scan_id: third, status: 'succeeded', risks: [risk('a', 'critical'), risk('b')] })]);
      const risks = await db.query<{ fingerprint: string; status: string; severity: string; last_seen_scan_id: number }>(
        `select fingerprint, status, severity, last_seen_scan_id from ops.risk_register where org_id = $1 and project_id = $2 order by fingerprint`,
        [org.orgId, org.projectId],
      );
      expect(risks.rows).toEqual([
        { fingerprint: 'a', status: 'open', severity: 'critical', last_seen_scan_id: third },
        { fingerprint: 'b', status: 'open', severity: 'high', last_seen_scan_id: third },
      ]);
      // One proposed plan per risk and fix, not one per scan that reported it.
      expect(await count(db, `select 1 from ops.remediation_plans p join ops.risk_register r on r.id = p.risk_id where r.org_id = $1 and r.project_id = $2`, [org.orgId, org.projectId])).toBe(2);

      const error = await failure(db.query('select * from ops.finish_scan($1::jsonb)', [jsonParam({ scan_id: third, status: 'succeeded' })]));
      expect(error.code).toBe('55000');
    });

    it('writes nothing of a scan whose input is bad, and names the field', async () => {
      const { id } = await one<{ id: number }>(db, 'select ops.start_scan($1::jsonb) as id', [jsonParam({ org_id: org.orgId, project_id: org.projectId, kind: 'github' })]);
      const finish = (input: Record<string, unknown>) => db.query('select * from ops.finish_scan($1::jsonb)', [jsonParam({ scan_id: id, status: 'succeeded', ...input })]);
      const good = { object_type: 'repository', name: 'web' };
      await expectInvalid(finish({ objects: [good, { object_type: 'spaceship', name: 'x' }] }), 'objects[1].object_type');
      await expectInvalid(finish({ objects: [good, { object_type: 'team' }] }), 'objects[1].name');
      await expectInvalid(finish({ objects: [good, { ...good }] }), 'objects[1].identity');
      await expectInvalid(finish({ objects: [good, 'web'] }), 'objects[1]');
      await expectInvalid(finish({ objects: [good], risks: [{ fingerprint: 'f', rule_id: 'r', title: 't', severity: 'apocalyptic' }] }), 'risks[0].severity');
      await expectInvalid(finish({ objects: [good], risks: [{ fingerprint: 'f', rule_id: 'r', title: 't', severity: 'low', remediation: { sql: 'select 1' } }] }), 'risks[0].remediation.description');
      await expectInvalid(finish({ objects: { web: good } }), 'objects');
      await expectInvalid(db.query('select * from ops.finish_scan($1::jsonb)', [jsonParam({ scan_id: id, status: 'done' })]), 'status');
      await expectInvalid(db.query('select * from ops.finish_scan($1::jsonb)', [jsonParam({ status: 'succeeded' })]), 'scan_id');
      await expectInvalid(db.query('select * from ops.finish_scan($1::jsonb)', [jsonParam({ scan_id: 'seven', status: 'succeeded' })]), 'scan_id');
      await expectInvalid(db.query('select * from ops.finish_scan($1::jsonb)', [jsonParam({ scan_id: 1.5, status: 'succeeded' })]), 'scan_id');
      const huge = Array.from({ length: 100_001 }, () => 0);
      await expectInvalid(finish({ objects: huge }), 'objects');
      expect(await one(db, 'select status, (select count(*)::int from ops.inventory_objects o where o.scan_id = s.id) as objects from ops.inventory_scans s where s.id = $1', [id])).toEqual({
        status: 'running',
        objects: 0,
      });

      await expectInvalid(db.query('select ops.start_scan($1::jsonb)', [jsonParam({ org_id: org.orgId, kind: 'database' })]), 'project_id');
      await expectInvalid(db.query('select ops.start_scan($1::jsonb)', [jsonParam({ org_id: 'not-a-uuid', project_id: org.projectId, kind: 'database' })]), 'org_id');
      await expectInvalid(db.query('select ops.start_scan($1::jsonb)', [jsonParam({ org_id: org.orgId, project_id: org.projectId, kind: 'cloud' })]), 'kind');
      await expectInvalid(db.query('select ops.start_scan($1::jsonb)', [jsonParam({ org_id: org.orgId, project_id: org.projectId, kind: 'database', triggered_by: 'x'.repeat(201) })]), 'triggered_by');
      await expectInvalid(db.query(`select ops.start_scan('[]'::jsonb)`), 'input');
    });

    it('runs a queued run through claim, events and completion, and names bad fields', async () => {
      const kind = `single-${randomUUID().slice(0, 8)}`;
      const { id } = await one<{ id: number }>(db, `insert into ops.runs (org_id, kind) values ($1, $2) returning id`, [org.orgId, kind]);
      const claimed = await one<{ id: number; status: string; attempts: number; locked_by: string }>(db, `select * from ops.claim_next_run('w1', array[$1], 30)`, [kind]);
      expect(claimed).toMatchObject({ id, status: 'running', attempts: 1, locked_by: 'w1' });
      expect((await db.query(`select * from ops.claim_next_run('w2', array[$1], 30)`, [kind])).rows).toEqual([]);

      const before = await one<{ lease: string }>(db, 'select lease_expires_at::text as lease from ops.runs where id = $1', [id]);
      await db.query(`select ops.append_run_event($1, 'progress', 'half way', '{"done": 50}', p_worker_id => 'w1')`, [id]);
      expect((await failure(db.query(`select ops.append_run_event($1, 'progress', p_worker_id => 'w2')`, [id]))).code).toBe('55000');
      await expectInvalid(db.query(`select ops.append_run_event($1, 'progress', p_level => 'loud')`, [id]), 'level');
      await expectInvalid(db.query(`select ops.append_run_event($1, 'claimed')`, [id]), 'kind');
      await expectInvalid(db.query(`select ops.append_run_event($1, 'log', p_data => $2::jsonb)`, [id, jsonParam({ blob: 'x'.repeat(70_000) })]), 'data');
      const after = await one<{ lease: string }>(db, 'select lease_expires_at::text as lease from ops.runs where id = $1', [id]);
      expect(after.lease >= before.lease).toBe(true);

      await expectInvalid(db.query(`select ops.complete_run($1, 'w1', 'done')`, [id]), 'outcome');
      await expectInvalid(db.query(`select ops.complete_run($1, 'w1', 'succeeded', p_artifacts => '[{"name": "a", "content": 1}, {"name": "a", "content": 2}]')`, [id]), 'artifacts[1].name');
      await expectInvalid(db.query(`select ops.complete_run($1, 'w1', 'succeeded', p_artifacts => '[{"media_type": "text/plain", "content": "x"}]')`, [id]), 'artifacts[0].name');
      expect((await failure(db.query(`select ops.complete_run($1, 'w2', 'succeeded')`, [id]))).code).toBe('55000');
      const done = await one<{ status: string; locked_by: string | null; result: unknown }>(
        db,
        `select * from ops.complete_run($1, 'w1', 'succeeded', '{"ok": true}', p_artifacts => '[{"name": "out.txt", "media_type": "text/plain", "content": "hello"}]')`,
        [id],
      );
      expect(done).toMatchObject({ status: 'succeeded', locked_by: null, result: { ok: true } });
      const events = await db.query<{ kind: string }>('select kind from ops.run_events where run_id = $1 order by id', [id]);
      expect(events.rows.map((row) => row.kind)).toEqual(['claimed', 'progress', 'succeeded']);
      expect(await count(db, 'select 1 from ops.artifacts where run_id = $1', [id])).toBe(1);

      await expectInvalid(db.query(`select * from ops.claim_next_run('w1', array[]::text[])`), 'kinds');
      await expectInvalid(db.query(`select * from ops.claim_next_run('w1', array['Not A Kind'])`), 'kinds');
      await expectInvalid(db.query(`select * from ops.claim_next_run('', array['x'])`), 'worker_id');
      await expectInvalid(db.query(`select * from ops.claim_next_run('w1', array['x'], 0)`), 'lease_seconds');
      const oversized = await failure(db.query(`insert into ops.runs (org_id, kind, payload) values ($1, 'big', $2::jsonb)`, [org.orgId, jsonParam({ blob: 'x'.repeat(300_000) })]));
      expect(oversized.code).toBe('23514');
    });

    it('retries a failed run until its attempts are used up, then marks it dead', async () => {
      const kind = `retry-${randomUUID().slice(0, 8)}`;
      const { id } = await one<{ id: number }>(db, `insert into ops.runs (org_id, kind, max_attempts) values ($1, $2, 2) returning id`, [org.orgId, kind]);
      await one(db, `select * from ops.claim_next_run('w1', array[$1])`, [kind]);
      expect(await one(db, `select status, attempts, last_error from ops.complete_run($1, 'w1', 'failed', p_error => 'boom')`, [id])).toEqual({
        status: 'queued',
        attempts: 1,
        last_error: 'boom',
      });
      await one(db, `select * from ops.claim_next_run('w1', array[$1])`, [kind]);
      expect(await one(db, `select status, attempts from ops.complete_run($1, 'w1', 'failed', p_error => 'boom again')`, [id])).toEqual({ status: 'dead', attempts: 2 });
      expect((await db.query(`select * from ops.claim_next_run('w1', array[$1])`, [kind])).rows).toEqual([]);

      const { id: final } = await one<{ id: number }>(db, `insert into ops.runs (org_id, kind) values ($1, $2) returning id`, [org.orgId, kind]);
      await one(db, `select * from ops.claim_next_run('w1', array[$1])`, [kind]);
      expect(await one(db, `select status from ops.complete_run($1, 'w1', 'failed', p_retry => false)`, [final])).toEqual({ status: 'failed' });
    });
  });
}

if (serverUp) {
  describe('control plane SQL on the Postgres server', () => {
    let handle: ControlPlaneDb;
    let db: ShadowDatabase;

    beforeAll(async () => {
      handle = await openControlPlaneDb('postgres');
      db = handle.db;
    });
    afterAll(async () => {
      await handle?.close();
    });

    it('applies the migrations and the seed from scratch', async () => {
      expect(await count(db, `select 1 from pg_catalog.pg_class where relnamespace = 'ops'::regnamespace and relkind = 'r'`)).toBe(OPS_TABLES.length);
      expect(await count(db, 'select 1 from ops.parity_definitions where org_id is null')).toBeGreaterThanOrEqual(10);
    });

    describeRpcSemantics(() => db);

    describe('RLS matrix', () => {
      type Role = 'anon' | 'member' | 'non-member' | 'service_role';
      let a: OrgFixture;
      let b: OrgFixture;
      let spareUser: string;

      beforeAll(async () => {
        a = await seedOrg(db, `a-${randomUUID().slice(0, 6)}`);
        b = await seedOrg(db, `b-${randomUUID().slice(0, 6)}`);
        spareUser = await createUser(db, `spare-${randomUUID().slice(0, 6)}@example.com`);
      });

      /** A row for org A that each table accepts: [columns, values]. */
      const newRow = (table: OpsTable): [string, unknown[]] => {
        const suffix = randomUUID().slice(0, 8);
        switch (table) {
          case 'orgs':
            return ['(slug, name) values ($1, $2)', [`matrix-${suffix}`, 'Matrix']];
          case 'org_memberships':
            return ['(org_id, user_id) values ($1, $2)', [a.orgId, spareUser]];
          case 'platform_projects':
            return [`(org_id, slug, name, provider) values ($1, $2, 'Matrix', 'supabase')`, [a.orgId, `matrix-${suffix}`]];
          case 'inventory_scans':
            return [`(org_id, project_id, kind) values ($1, $2, 'database')`, [a.orgId, a.projectId]];
          case 'inventory_objects':
            return [`(org_id, scan_id, object_type, name, identity) values ($1, $2, 'table', 'm', $3)`, [a.orgId, a.scanId, `public.m_${suffix}`]];
          case 'risk_register':
            return [`(org_id, project_id, fingerprint, source, rule_id, title, severity) values ($1, $2, $3, 'database', 'r', 't', 'low')`, [a.orgId, a.projectId, suffix]];
          case 'remediation_plans':
            return [`(org_id, risk_id, description) values ($1, $2, 'd')`, [a.orgId, a.riskId]];
          case 'audit_log':
            return [`(org_id, actor, action) values ($1, 'matrix', 'matrix.insert')`, [a.orgId]];
          case 'metrics':
            return [`(org_id, name, value) values ($1, 'matrix.value', 1)`, [a.orgId]];
          case 'parity_definitions':
            return [`(org_id, key, title, description, category, severity) values ($1, $2, 't', 'd', 'security', 'low')`, [a.orgId, `matrix.${suffix}`]];
          case 'parity_results':
            return [`(org_id, project_id, definition_id, status) values ($1, $2, $3, 'pass')`, [a.orgId, a.projectId, a.baselineDefinitionId]];
          case 'config_artifacts':
            return [`(org_id, name, kind) values ($1, $2, 'other')`, [a.orgId, `matrix-${suffix}`]];
          case 'config_versions':
            return [`(org_id, artifact_id, version, content, content_hash, content_bytes) values ($1, $2, 99, '{}', $3, 2)`, [a.orgId, a.artifactId, sha256Hex(suffix)]];
          case 'config_consumers':
            return ['(org_id, artifact_id, name) values ($1, $2, $3)', [a.orgId, a.artifactId, `matrix-${suffix}`]];
          case 'config_checks':
            return [`(org_id, consumer_id, check_name, status) values ($1, $2, 'matrix', 'pass')`, [a.orgId, a.consumerId]];
          case 'config_rollouts':
            return ['(org_id, artifact_id, version_id, consumer_id) values ($1, $2, $3, $4)', [a.orgId, a.artifactId, a.versionId, a.secondConsumerId]];
          case 'config_drift_events':
            return ['(org_id, consumer_id, expected_version_id, expected_hash) values ($1, $2, $3, $4)', [a.orgId, a.retiredConsumerId, a.versionId, sha256Hex('x')]];
          case 'runs':
            return [`(org_id, kind) values ($1, 'matrix')`, [a.orgId]];
          case 'run_events':
            return [`(org_id, run_id, kind) values ($1, $2, 'log')`, [a.orgId, a.runId]];
          case 'artifacts':
            return [`(org_id, run_id, name, content) values ($1, $2, $3, '{}')`, [a.orgId, a.runId, `matrix-${suffix}`]];
        }
      };

      type Outcome = { ok: true; rows: Record<string, unknown>[]; rowCount: number } | { ok: false; code?: string; message: string };

      /** Runs `sql` as `role` in a transaction that is rolled back; `before` runs first as the same role. */
      async function as(role: Role, sql: string, params: unknown[] = [], before?: { sql: string; params: unknown[] }): Promise<Outcome> {
        const pgRole = role === 'member' || role === 'non-member' ? 'authenticated' : role;
        const claims = { role: pgRole, ...(role === 'member' ? { sub: a.userId } : role === 'non-member' ? { sub: b.userId } : {}) };
        await db.query('begin');
        try {
          await db.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
          await db.query(`set local role ${pgRole}`);
          let params2 = params;
          if (before) {
            const inserted = await db.query<{ ctid: string }>(before.sql, before.params);
            params2 = [inserted.rows[0]?.ctid];
          }
          const modifies = /^(update|delete|insert)/.test(sql);
          const text = modifies ? `with changed as (${sql} returning 1) select count(*)::int as n from changed` : sql;
          const result = (await db.query<Record<string, unknown>>(text, params2)).rows;
          const rowCount = modifies ? Number(result[0]?.n) : result.length;
          return { ok: true, rows: result, rowCount };
        } catch (error) {
          const { code, message } = error as SqlFailure;
          return { ok: false, code, message };
        } finally {
          await db.query('rollback');
        }
      }

      const orgColumn = (table: OpsTable) => (table === 'orgs' ? 'id' : 'org_id');

      it.each(OPS_TABLES.map((table) => [table]))('%s: anon none, members read their org, non-members nothing, service_role writes', async (table) => {
        const column = orgColumn(table);
        const [values, params] = newRow(table);
        const insertSql = `insert into ops.${table} ${values}`;
        const updateSql = `update ops.${table} set ${column} = ${column} where ${column} = $1`;
        const deleteExistingSql = `delete from ops.${table} where ${column} = $1`;
        const baseline = table === 'parity_definitions' ? ' or org_id is null' : '';
        const ofA = await count(db, `select 1 from ops.${table} where ${column} = $1${baseline}`, [a.orgId]);
        const all = await count(db, `select 1 from ops.${table}`);
        expect(ofA).toBeGreaterThan(0);
        expect(await count(db, `select 1 from ops.${table} where ${column} = $1`, [b.orgId])).toBeGreaterThan(0);

        const denied = { ok: false, code: '42501' };
        const rejectedAsHistory = { ok: false, code: '55000' };
        const seen: Record<string, unknown> = {};
        const expected: Record<string, unknown> = {};
        const record = (key: string, outcome: Outcome, pick: (outcome: Extract<Outcome, { ok: true }>) => unknown = (o) => o.rowCount) => {
          seen[key] = outcome.ok ? { ok: true, value: pick(outcome) } : { ok: false, code: outcome.code };
        };

        for (const role of ['anon', 'member', 'non-member'] as const) {
          if (role === 'anon') {
            record('anon select', await as(role, `select * from ops.${table}`));
            expected['anon select'] = denied;
          } else {
            record(`${role} select`, await as(role, `select ${column} as org from ops.${table}`), (outcome) => {
              const orgs = new Set(outcome.rows.map((row) => row.org));
              return { rows: outcome.rowCount, orgs: [...orgs].map((org) => (org === a.orgId ? 'A' : org === b.orgId ? 'B' : org === null ? 'baseline' : 'other')).sort() };
            });
          }
          record(`${role} insert`, await as(role, insertSql, params));
          record(`${role} update`, await as(role, updateSql, [a.orgId]));
          record(`${role} delete`, await as(role, deleteExistingSql, [a.orgId]));
          for (const operation of ['insert', 'update', 'delete']) expected[`${role} ${operation}`] = denied;
        }
        const ofB = await count(db, `select 1 from ops.${table} where ${column} = $1${baseline}`, [b.orgId]);
        const baselineLabel = table === 'parity_definitions' ? ['baseline'] : [];
        expected['member select'] = { ok: true, value: { rows: ofA, orgs: ['A', ...baselineLabel].sort() } };
        expected['non-member select'] = { ok: true, value: { rows: ofB, orgs: ['B', ...baselineLabel].sort() } };

        record('service_role select', await as('service_role', `select * from ops.${table}`));
        expected['service_role select'] = { ok: true, value: all };
        record('service_role insert', await as('service_role', insertSql, params));
        expected['service_role insert'] = { ok: true, value: 1 };
        record('service_role update', await as('service_role', updateSql, [a.orgId]));
        const onlyA = await count(db, `select 1 from ops.${table} where ${column} = $1`, [a.orgId]);
        expected['service_role update'] = APPEND_ONLY.has(table) ? rejectedAsHistory : { ok: true, value: onlyA };
        record('service_role delete', await as('service_role', `delete from ops.${table} where ctid = $1::tid`, [], { sql: `${insertSql} returning ctid::text`, params }));
        expected['service_role delete'] = APPEND_ONLY.has(table) ? rejectedAsHistory : { ok: true, value: 1 };

        expect(seen).toEqual(expected);
      });
    });

    describe('work queue', () => {
      let orgId: string;
      let workers: pg.Client[] = [];

      beforeAll(async () => {
        orgId = (await createOrg(db, `queue-${randomUUID().slice(0, 6)}`)).orgId;
      });
      afterAll(async () => {
        await Promise.all(workers.map((client) => client.end().catch(() => undefined)));
        workers = [];
      });

      async function worker(): Promise<pg.Client> {
        const client = await connectAs(handle.connectionString!, 'service_role');
        workers.push(client);
        return client;
      }

      it('drains 2,000 runs with 8 concurrent workers: none claimed twice, none lost', async () => {
        const kind = 'drain';
        await db.query(`insert into ops.runs (org_id, kind, payload) select $1, $2, jsonb_build_object('n', n) from generate_series(1, 2000) n`, [orgId, kind]);
        const clients = await Promise.all(Array.from({ length: 8 }, () => worker()));
        const claims = await Promise.all(
          clients.map(async (client, index) => {
            const workerId = `drain-${index}`;
            const mine: number[] = [];
            for (;;) {
              const { rows } = await client.query<{ id: string }>('select id from ops.claim_next_run($1, $2::text[], 60)', [workerId, [kind]]);
              const run = rows[0];
              if (!run) return mine;
              mine.push(Number(run.id));
              await client.query(`select ops.complete_run($1, $2, 'succeeded')`, [run.id, workerId]);
            }
          }),
        );
        const claimed = claims.flat();
        expect(claimed).toHaveLength(2000);
        expect(new Set(claimed).size).toBe(2000);
        expect(claims.filter((mine) => mine.length > 0).length).toBeGreaterThanOrEqual(4);
        expect(await one(db, `select count(*)::int as runs, count(*) filter (where status = 'succeeded' and attempts = 1)::int as succeeded_once from ops.runs where org_id = $1 and kind = $2`, [orgId, kind])).toEqual({
          runs: 2000,
          succeeded_once: 2000,
        });
        expect(await count(db, `select 1 from ops.run_events e join ops.runs r on r.id = e.run_id where r.org_id = $1 and r.kind = $2 and e.kind = 'claimed'`, [orgId, kind])).toBe(2000);
      });

      it("claims a killed worker's run again after its lease expires, then marks it dead when attempts run out", async () => {
        const kind = 'lease';
        const { id } = await one<{ id: number }>(db, `insert into ops.runs (org_id, kind, max_attempts) values ($1, $2, 2) returning id`, [orgId, kind]);
        const doomed = await worker();
        const { rows: [backend] } = await doomed.query<{ pid: number }>('select pg_backend_pid() as pid');
        const first = await doomed.query<{ id: string; attempts: number }>(`select id, attempts from ops.claim_next_run('doomed', array[$1], 1)`, [kind]);
        expect(first.rows).toEqual([{ id: String(id), attempts: 1 }]);
        await db.query('select pg_terminate_backend($1)', [backend!.pid]);

        const survivor = await worker();
        expect((await survivor.query(`select id from ops.claim_next_run('survivor', array[$1], 1)`, [kind])).rows).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const second = await survivor.query<{ id: string; attempts: number; locked_by: string }>(`select id, attempts, locked_by from ops.claim_next_run('survivor', array[$1], 1)`, [kind]);
        expect(second.rows).toEqual([{ id: String(id), attempts: 2, locked_by: 'survivor' }]);
        // The killed worker, back on a new connection, no longer holds it.
        const late = await failure((await worker()).query(`select ops.complete_run($1, 'doomed', 'succeeded')`, [id]));
        expect({ code: late.code, column: late.column }).toEqual({ code: '55000', column: 'worker_id' });

        // The survivor hangs too: with both attempts used, the next claim buries the run instead of running it a third time.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        expect((await survivor.query(`select id from ops.claim_next_run('survivor', array[$1], 1)`, [kind])).rows).toEqual([]);
        expect(await one(db, 'select status, attempts, locked_by, finished_at is not null as finished from ops.runs where id = $1', [id])).toEqual({
          status: 'dead',
          attempts: 2,
          locked_by: null,
          finished: true,
        });
        const events = await db.query<{ kind: string }>('select kind from ops.run_events where run_id = $1 order by id', [id]);
        expect(events.rows.map((row) => row.kind)).toEqual(['claimed', 'lease_expired', 'claimed', 'lease_expired', 'dead']);
      });
    });
  });
} else {
  describe.skip('control plane SQL on the Postgres server (no server at 127.0.0.1:5432)', () => {
    it('is skipped', () => undefined);
  });
}
