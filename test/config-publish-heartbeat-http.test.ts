/**
 * sendHeartbeat, the consumer-side client, against the consumer-heartbeat Edge Function running in
 * Deno on a control plane on the Postgres server: it reports, learns whether it runs its target,
 * and an unknown consumer is refused with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeartbeatError, loadArtifacts, parseStrictJson, publishConfig, sendHeartbeat } from '../app/config-registry/index.js';
import { openPgControlPlane, type PgControlPlane } from '../app/control-plane/index.js';
import { openControlPlaneDb, REPO_ROOT, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { serverAvailable } from './helpers/postgres-server.js';

const FIXTURE_REPO = join(import.meta.dirname, 'fixtures', 'config-registry', 'repo');
const TOKEN = 'heartbeat-token-for-tests';
const serverUp = await serverAvailable();
const describeServer = serverUp ? describe : describe.skip;

async function startHeartbeatFunction(env: Record<string, string>, denoDir: string): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(
    join(REPO_ROOT, 'node_modules', '.bin', 'deno'),
    ['run', '--config', join(REPO_ROOT, 'supabase', 'functions', 'deno.json'), '--allow-net=127.0.0.1', '--allow-env', '--allow-read', '--allow-sys', join(REPO_ROOT, 'supabase', 'functions', 'consumer-heartbeat', 'index.ts')],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', PLATFORM_KIT_FUNCTION_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumer-heartbeat did not start within 60 s:\n${output}`)), 60_000);
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
      reject(new Error(`consumer-heartbeat exited with ${code} before listening:\n${output}`));
    });
  });
  return { url, process: child };
}

describeServer('sendHeartbeat to the consumer-heartbeat Edge Function', () => {
  let handle: ControlPlaneDb;
  let controlPlane: PgControlPlane;
  let fn: { url: string; process: ChildProcess };
  const denoDir = mkdtempSync(join(tmpdir(), 'pk-deno-heartbeat-'));

  beforeAll(async () => {
    handle = await openControlPlaneDb('postgres');
    controlPlane = openPgControlPlane({ connectionString: handle.connectionString as string, role: 'service_role' });
    fn = await startHeartbeatFunction({ SUPABASE_DB_URL: handle.connectionString as string, CONSUMER_HEARTBEAT_TOKEN: TOKEN }, denoDir);
  }, 120_000);

  afterAll(async () => {
    if (fn) {
      const exited = new Promise((resolve) => fn.process.once('exit', resolve));
      fn.process.kill('SIGTERM');
      await exited;
    }
    await controlPlane?.close();
    await handle?.close();
    rmSync(denoDir, { recursive: true, force: true });
  });

  it('reports the content a consumer runs and refuses an unknown consumer', async () => {
    const { org_id: orgId } = await controlPlane.ensureProject({ orgSlug: 'acme', projectSlug: 'config-registry', provider: 'github' });
    const config = await loadArtifacts({ repoDir: FIXTURE_REPO, files: ['config/tokens/tokens.json', 'config/flags/flags.json', 'config/consumers/consumers.json'] });
    await publishConfig({ controlPlane, orgId, config });
    const content = parseStrictJson('tokens.json', readFileSync(join(FIXTURE_REPO, 'config/tokens/tokens.json'), 'utf8')).value;

    const answer = await sendHeartbeat({ url: fn.url, token: TOKEN, orgId, artifact: 'tokens', consumer: 'web@canary', content, sdkName: 'web', sdkVersion: '1.2.3' });
    expect(answer).toMatchObject({ consumer: 'web@canary', applied_version: 1, target_version: 1, in_sync: true });

    const refused = await sendHeartbeat({ url: fn.url, token: TOKEN, orgId, artifact: 'tokens', consumer: 'android@production', content }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HeartbeatError);
    expect(refused).toMatchObject({ status: 404, code: 'not_found', field: 'consumer' });
    expect((await controlPlane.consumers({ orgId, artifact: 'tokens' })).map((consumer) => consumer.name)).not.toContain('android@production');

    await expect(sendHeartbeat({ url: fn.url, token: 'wrong', orgId, artifact: 'tokens', consumer: 'web@canary', content })).rejects.toMatchObject({ status: 401 });
  }, 120_000);
});
