import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openControlPlaneDb, REPO_ROOT, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { createOrg, one, sha256Hex } from './helpers/control-plane-fixtures.js';
import { serverAvailable } from './helpers/postgres-server.js';

// The Edge Functions in the real Deno runtime (the `deno` npm package's binary), each a `deno run`
// of supabase/functions/<name>/index.ts on a free port, against a fresh database on the Postgres
// server, called over HTTP. DENO_DIR is an empty directory: the functions resolve `pg` from the
// project's node_modules (supabase/functions/deno.json: nodeModulesDir "manual"), no registry.
const serverUp = await serverAvailable();
const DENO = join(REPO_ROOT, 'node_modules', '.bin', 'deno');
const PUBLISH_TOKEN = 'publish-token-for-tests';
const HEARTBEAT_TOKEN = 'heartbeat-token-for-tests';

interface RunningFunction {
  url: string;
  process: ChildProcess;
  output: () => string;
}

async function startFunction(name: string, env: Record<string, string>, denoDir: string): Promise<RunningFunction> {
  const child = spawn(
    DENO,
    [
      'run',
      '--config',
      join(REPO_ROOT, 'supabase', 'functions', 'deno.json'),
      '--allow-net=127.0.0.1',
      '--allow-env',
      '--allow-read',
      '--allow-sys',
      join(REPO_ROOT, 'supabase', 'functions', name, 'index.ts'),
    ],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', PLATFORM_KIT_FUNCTION_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s:\n${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output}`));
    });
  });
  return { url, process: child, output: () => output };
}

/** A function's JSON answer: its result fields, or `error`. */
type Answer = Record<string, unknown> & { error?: { code: string; message: string; field?: string } };

async function call(fn: RunningFunction, init: { method?: string; token?: string; body?: unknown; contentType?: string; rawBody?: string }) {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined || init.rawBody !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const response = await fetch(fn.url, {
    method: init.method ?? 'POST',
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Answer) : undefined };
}

if (serverUp) {
  describe('Edge Functions in Deno against the Postgres server', () => {
    let handle: ControlPlaneDb;
    let publish: RunningFunction;
    let heartbeat: RunningFunction;
    let orgId: string;
    const denoDir = mkdtempSync(join(tmpdir(), 'pk-deno-'));

    beforeAll(async () => {
      handle = await openControlPlaneDb('postgres');
      ({ orgId } = await createOrg(handle.db, `fn-${randomUUID().slice(0, 8)}`));
      const env = { SUPABASE_DB_URL: handle.connectionString!, CONFIG_PUBLISH_TOKEN: PUBLISH_TOKEN, CONSUMER_HEARTBEAT_TOKEN: HEARTBEAT_TOKEN };
      [publish, heartbeat] = await Promise.all([startFunction('config-publish', env, denoDir), startFunction('consumer-heartbeat', env, denoDir)]);
    }, 120_000);
    afterAll(async () => {
      for (const fn of [publish, heartbeat]) {
        if (!fn) continue;
        const exited = new Promise((resolve) => fn.process.once('exit', resolve));
        fn.process.kill('SIGTERM');
        await exited;
      }
      await handle?.close();
      rmSync(denoDir, { recursive: true, force: true });
    });

    it('refuses callers without the right bearer token, and other methods', async () => {
      const missing = await call(publish, { body: {} });
      expect([missing.status, missing.body?.error?.code, missing.headers.get('www-authenticate')]).toEqual([401, 'unauthorized', 'Bearer realm="platform-kit"']);
      expect((await call(publish, { token: 'wrong', body: {} })).status).toBe(401);
      expect((await call(publish, { token: `${PUBLISH_TOKEN}x`, body: {} })).status).toBe(401);
      // Each function has its own secret: the heartbeat token cannot publish.
      expect((await call(publish, { token: HEARTBEAT_TOKEN, body: {} })).status).toBe(401);
      const get = await call(publish, { method: 'GET', token: PUBLISH_TOKEN });
      expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    });

    it('answers a bad body with 400 naming the field, and writes nothing', async () => {
      const good = { org_id: orgId, artifact: 'tokens', content: { color: '#000' }, kind: 'tokens' };
      const cases: Array<[unknown, string]> = [
        [{ ...good, org_id: undefined }, 'org_id'],
        [{ ...good, org_id: 'not-a-uuid' }, 'org_id'],
        [{ ...good, content: 'text' }, 'content'],
        [{ ...good, kind: 'colour' }, 'kind'],
        [{ ...good, content_hash: 'XYZ' }, 'content_hash'],
        [{ ...good, grace_seconds: -1 }, 'grace_seconds'],
        [{ ...good, contnet: {} }, 'contnet'],
        // Shapes pass here; the RPC finds the org missing and names the field itself.
        [{ ...good, org_id: randomUUID() }, 'org_id'],
      ];
      for (const [body, field] of cases) {
        const response = await call(publish, { token: PUBLISH_TOKEN, body });
        expect({ field, status: response.status, code: response.body?.error?.code, named: response.body?.error?.field }).toEqual({ field, status: 400, code: 'invalid_argument', named: field });
        expect(response.body?.error?.message).toContain(`invalid ${field}:`);
      }
      const notJson = await call(publish, { token: PUBLISH_TOKEN, rawBody: '{"org_id":', contentType: 'application/json' });
      expect([notJson.status, notJson.body?.error?.code]).toEqual([400, 'invalid_json']);
      const form = await call(publish, { token: PUBLISH_TOKEN, rawBody: 'a=1', contentType: 'application/x-www-form-urlencoded' });
      expect(form.status).toBe(415);
      expect((await one<{ n: number }>(handle.db, 'select count(*)::int as n from ops.config_versions where org_id = $1', [orgId])).n).toBe(0);
    });

    it('publishes idempotently: 201 for new content, 200 with the same version for the same content', async () => {
      const body = { org_id: orgId, artifact: 'tokens', content: { color: { primary: '#0047ab' } }, kind: 'tokens', source_ref: 'main@abc', published_by: 'ci' };
      const first = await call(publish, { token: PUBLISH_TOKEN, body });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ version_id: expect.any(Number), version: 1, content_hash: expect.stringMatching(/^[0-9a-f]{64}$/), created: true });
      const again = await call(publish, { token: PUBLISH_TOKEN, body });
      expect([again.status, again.body]).toEqual([200, { ...first.body, created: false }]);
      const next = await call(publish, { token: PUBLISH_TOKEN, body: { ...body, content: { color: { primary: '#ff0000' } } } });
      expect([next.status, next.body?.version]).toEqual([201, 2]);
      const { n } = await one<{ n: number }>(handle.db, `select count(*)::int as n from ops.config_versions where org_id = $1`, [orgId]);
      expect(n).toBe(2);
    });

    it('takes heartbeats from registered consumers only and tells them their target', async () => {
      const content = { spacing: [4, 8] };
      const published = await call(publish, { token: PUBLISH_TOKEN, body: { org_id: orgId, artifact: 'theme', content, kind: 'tokens' } });
      await handle.db.query(`select * from ops.register_consumers($1::jsonb)`, [JSON.stringify({ org_id: orgId, artifact: 'theme', consumers: [{ name: 'web@production' }] })]);

      const stranger = await call(heartbeat, { token: HEARTBEAT_TOKEN, body: { org_id: orgId, artifact: 'theme', consumer: 'stranger@production', version: 1 } });
      expect([stranger.status, stranger.body?.error?.code, stranger.body?.error?.field]).toEqual([404, 'not_found', 'consumer']);
      expect(stranger.body?.error?.message).toContain("unknown consumer 'stranger@production'");
      expect((await one<{ n: number }>(handle.db, `select count(*)::int as n from ops.config_consumers where name = 'stranger@production'`)).n).toBe(0);

      const noHash = await call(heartbeat, { token: HEARTBEAT_TOKEN, body: { org_id: orgId, artifact: 'theme', consumer: 'web@production' } });
      expect([noHash.status, noHash.body?.error?.field]).toEqual([400, 'content_hash']);
      const noVersion = await call(heartbeat, { token: HEARTBEAT_TOKEN, body: { org_id: orgId, artifact: 'theme', consumer: 'web@production', version: 9 } });
      expect([noVersion.status, noVersion.body?.error?.field]).toEqual([400, 'version']);
      expect((await call(heartbeat, { token: PUBLISH_TOKEN, body: { org_id: orgId, artifact: 'theme', consumer: 'web@production', version: 1 } })).status).toBe(401);

      const stale = await call(heartbeat, { token: HEARTBEAT_TOKEN, body: { org_id: orgId, artifact: 'theme', consumer: 'web@production', content_hash: sha256Hex('old'), sdk_name: 'tokens-js', sdk_version: '1.0.0' } });
      expect(stale.status).toBe(200);
      expect(stale.body).toEqual({
        consumer: 'web@production',
        applied_version: null,
        applied_hash: sha256Hex('old'),
        last_seen_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        target_version: 1,
        target_hash: published.body?.content_hash,
        in_sync: false,
      });
      const current = await call(heartbeat, { token: HEARTBEAT_TOKEN, body: { org_id: orgId, artifact: 'theme', consumer: 'web@production', version: 1 } });
      expect(current.body).toMatchObject({ applied_version: 1, applied_hash: published.body?.content_hash, in_sync: true });
    });
  });
} else {
  describe.skip('Edge Functions (no Postgres server at 127.0.0.1:5432)', () => {
    it('skipped', () => undefined);
  });
}
