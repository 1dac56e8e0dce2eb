/**
 * Publishing, rings, drift and rollback over the ControlPlane interface, on the embedded control
 * plane (PGlite, in memory), on the Postgres server, and through supabase-js (postgrest-lite in front
 * of the server).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ConfigRequestError,
  ConfigValidationError,
  jsonbTextBytes,
  configStatus,
  loadArtifacts,
  promoteRollout,
  publishConfig,
  reportHeartbeat,
  rollbackConfig,
  type LoadedConfig,
} from '../app/config-registry/index.js';
import { openPgControlPlane, openPgliteControlPlane, type ControlPlane } from '../app/control-plane/index.js';
import { openSupabaseControlPlane } from '../app/control-plane/supabase.js';
import { openControlPlaneDb } from './helpers/control-plane-db.js';
import { signJwt, startPostgrestLite } from './helpers/postgrest-lite.js';
import { serverAvailable } from './helpers/postgres-server.js';

const FIXTURE_REPO = join(import.meta.dirname, 'fixtures', 'config-registry', 'repo');
const MINUTE = 60_000;
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function repoCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-publish-'));
  temporary.push(dir);
  cpSync(FIXTURE_REPO, dir, { recursive: true });
  return dir;
}

async function tokensOnly(dir: string): Promise<LoadedConfig> {
  return loadArtifacts({ repoDir: dir, files: ['config/tokens/tokens.json'] });
}

function setPrimary(dir: string, hex: string): void {
  const file = join(dir, 'config/tokens/tokens.json');
  const tokens = JSON.parse(readFileSync(file, 'utf8')) as { color: { brand: { primary: { $value: string } } } };
  tokens.color.brand.primary.$value = hex;
  writeFileSync(file, JSON.stringify(tokens, null, 2));
}

interface Setup {
  controlPlane: ControlPlane;
  close(): Promise<void>;
}

function describeConfigPublish(label: string, open: () => Promise<Setup>, options: { concurrency: boolean }): void {
  describe(label, () => {
    let setup: Setup;
    let controlPlane: ControlPlane;
    const orgOf = async (slug: string) => (await controlPlane.ensureProject({ orgSlug: slug, projectSlug: 'config', provider: 'github' })).org_id;

    beforeAll(async () => {
      setup = await open();
      controlPlane = setup.controlPlane;
    }, 180_000);
    afterAll(async () => {
      await setup?.close();
    });

    it('publishes, ignores an identical republish, versions a change and rolls back as a third version', async () => {
      const orgId = await orgOf('history');
      const dir = repoCopy();
      const source = { commitSha: 'a'.repeat(40), author: 'octocat', pullRequest: 7 };
      const first = await publishConfig({ controlPlane, orgId, config: await tokensOnly(dir), source });
      expect(first.changed).toBe(true);
      expect(first.artifacts[0]).toMatchObject({ name: 'tokens', previous: null, version: { version: 1 } });

      const again = await publishConfig({ controlPlane, orgId, config: await tokensOnly(dir), source });
      expect(again.changed).toBe(false);
      expect(again.artifacts[0]?.version?.version).toBe(1);

      setPrimary(dir, '#1f883d');
      const changed = await publishConfig({ controlPlane, orgId, config: await tokensOnly(dir), source: { ...source, commitSha: 'b'.repeat(40), pullRequest: 8 } });
      expect(changed.artifacts[0]).toMatchObject({ changed: true, version: { version: 2 }, previous: { version: 1, hash: first.artifacts[0]?.hash } });
      expect(changed.artifacts[0]?.diff.changed.map((change) => change.name)).toEqual(['color.brand.primary', 'color.text.link']);

      const rolledBack = await rollbackConfig({ controlPlane, orgId, artifact: 'tokens', reason: 'contrast regression', actor: 'octocat' });
      expect(rolledBack.version.version).toBe(3);
      expect(rolledBack.version.hash).toBe(first.artifacts[0]?.hash);

      const versions = await controlPlane.configVersions({ orgId, artifact: 'tokens' });
      expect(versions.map((version) => [version.version, version.kind, version.content_hash === first.artifacts[0]?.hash])).toEqual([
        [1, 'publish', true],
        [2, 'publish', false],
        [3, 'rollback', true],
      ]);
      expect(versions[1]).toMatchObject({ source_ref: `${'b'.repeat(40)} #8`, published_by: 'octocat' });
      // The size the control plane measures (jsonb as text) is the size checked before publishing.
      expect(versions[0]?.content_bytes).toBe(jsonbTextBytes(versions[0]?.content as never));
    });

    it('refuses a rollback to a version that does not exist and a heartbeat from an unknown consumer, writing nothing', async () => {
      const orgId = await orgOf('refusals');
      const config = await loadArtifacts({ repoDir: FIXTURE_REPO, files: ['config/tokens/tokens.json', 'config/flags/flags.json', 'config/consumers/consumers.json'] });
      await publishConfig({ controlPlane, orgId, config });
      await expect(rollbackConfig({ controlPlane, orgId, artifact: 'tokens', toVersion: 9, reason: 'x' })).rejects.toThrow(ConfigRequestError);
      await expect(rollbackConfig({ controlPlane, orgId, artifact: 'tokens', toVersion: 9, reason: 'x' })).rejects.toThrow('artifact tokens has no version 9 (versions 1 to 1)');
      expect(await controlPlane.configVersions({ orgId, artifact: 'tokens' })).toHaveLength(1);
      const hash = config.artifacts.find((artifact) => artifact.name === 'tokens')?.hash as string;
      await expect(reportHeartbeat({ controlPlane, orgId, artifact: 'tokens', consumer: 'android@production', hash })).rejects.toThrow(/not in the registry/);
      expect((await controlPlane.consumers({ orgId, artifact: 'tokens' })).map((consumer) => consumer.name)).not.toContain('android@production');

      // An artifact over the control plane's size limit stops the whole publish before any write.
      const dir = repoCopy();
      const big: Record<string, unknown> = { $type: 'color' };
      for (let index = 0; index < 20_000; index++) big[`c${index}`] = { $value: '#0969da', $description: 'a colour of the generated palette' };
      writeFileSync(join(dir, 'config/tokens/big.json'), JSON.stringify({ palette: big }));
      writeFileSync(join(dir, 'config/flags/flags.json'), JSON.stringify({ checkout: { newFlow: false } }));
      const oversized = await loadArtifacts({ repoDir: dir, files: ['config/tokens/big.json', 'config/flags/flags.json'] });
      const refused = await publishConfig({ controlPlane, orgId, config: oversized }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ConfigValidationError);
      expect((refused as ConfigValidationError).issues).toEqual([
        expect.objectContaining({ file: 'config/tokens/big.json', message: expect.stringMatching(/the control plane takes at most 1048576 bytes for artifact big/) }),
      ]);
      expect(await controlPlane.configVersions({ orgId, artifact: 'flags' })).toHaveLength(1);
      expect(await controlPlane.configVersions({ orgId, artifact: 'big' })).toHaveLength(0);
    });

    it('promotes ring by ring only after passing checks and the bake time', async () => {
      const orgId = await orgOf('rings');
      const config = await loadArtifacts({ repoDir: FIXTURE_REPO, files: ['config/tokens/tokens.json', 'config/flags/flags.json', 'config/consumers/consumers.json'] });
      const registry = config.registry!;
      const published = await publishConfig({ controlPlane, orgId, config });
      const tokens = published.artifacts.find((artifact) => artifact.name === 'tokens');
      expect(tokens?.ring).toBe('canary');
      const start = Date.now();
      const at = (minutes: number) => () => new Date(start + minutes * MINUTE);
      const promote = (minutes: number) => promoteRollout({ controlPlane, orgId, registry, artifact: 'tokens', now: at(minutes) });

      expect(await promote(45)).toMatchObject({ outcome: 'waiting', ring: 'staging', reason: expect.stringMatching(/no passing check .* web@canary/) });
      await controlPlane.recordConfigCheck({ orgId, artifact: 'tokens', consumer: 'web@canary', check: 'smoke', status: 'pass', version: 1 });
      expect(await promote(10)).toMatchObject({ outcome: 'waiting', ring: 'staging', reason: expect.stringMatching(/canary bakes until/) });
      expect(await promote(31)).toEqual({ outcome: 'promoted', version: 1, ring: 'staging' });

      // Staging failed its check: production waits, whatever the time.
      await controlPlane.recordConfigCheck({ orgId, artifact: 'tokens', consumer: 'web@staging', check: 'smoke', status: 'fail', version: 1 });
      expect(await promote(500)).toMatchObject({ outcome: 'waiting', ring: 'production' });
      await controlPlane.recordConfigCheck({ orgId, artifact: 'tokens', consumer: 'web@staging', check: 'smoke', status: 'pass', version: 1 });
      expect(await promote(500)).toEqual({ outcome: 'promoted', version: 1, ring: 'production' });
      expect(await promote(500)).toEqual({ outcome: 'complete', version: 1 });

      const status = await configStatus({ controlPlane, orgId, artifacts: ['tokens'], now: at(0), registry });
      expect(status[0]?.consumers.map((consumer) => [consumer.consumer, consumer.targetVersion, consumer.heartbeat])).toEqual([
        ['ios@production', 1, 'never'],
        ['web@canary', 1, 'never'],
        ['web@production', 1, 'never'],
        ['web@staging', 1, 'never'],
      ]);
    });

    it('shows a consumer that missed the new version as drifted once past the grace period, with one drift event', async () => {
      const orgId = await orgOf('drift');
      const dir = repoCopy();
      writeFileSync(join(dir, 'config/consumers/consumers.json'), JSON.stringify({
        rings: [{ name: 'all', bakeMinutes: 0 }],
        consumers: [
          { id: 'web@production', kind: 'web', owner: 'web', environment: 'production', artifacts: ['tokens'], heartbeatIntervalSeconds: 60, ring: 'all' },
          { id: 'ios@production', kind: 'mobile', owner: 'mobile', environment: 'production', artifacts: ['tokens'], heartbeatIntervalSeconds: 60, ring: 'all' },
        ],
      }));
      const files = ['config/tokens/tokens.json', 'config/consumers/consumers.json'];
      const first = await publishConfig({ controlPlane, orgId, config: await loadArtifacts({ repoDir: dir, files }), graceSeconds: 600 });
      const oldHash = first.artifacts.find((artifact) => artifact.name === 'tokens')?.hash as string;
      setPrimary(dir, '#cf222e');
      const second = await publishConfig({ controlPlane, orgId, config: await loadArtifacts({ repoDir: dir, files }), graceSeconds: 600 });
      const newHash = second.artifacts.find((artifact) => artifact.name === 'tokens')?.hash as string;
      await reportHeartbeat({ controlPlane, orgId, artifact: 'tokens', consumer: 'web@production', hash: oldHash });
      await reportHeartbeat({ controlPlane, orgId, artifact: 'tokens', consumer: 'ios@production', hash: newHash });

      const registry = (await loadArtifacts({ repoDir: dir, files })).registry;
      const fresh = await configStatus({ controlPlane, orgId, artifacts: ['tokens'], registry });
      expect(fresh[0]?.consumers.map((consumer) => consumer.heartbeat)).toEqual(['ok', 'ok']);
      const within = await configStatus({ controlPlane, orgId, artifacts: ['tokens'], now: () => new Date(Date.now() + 5 * MINUTE) });
      expect(within[0]?.consumers.map((consumer) => consumer.heartbeat)).toEqual(['unknown', 'unknown']);
      expect(within[0]?.consumers.find((consumer) => consumer.consumer === 'web@production')).toMatchObject({ reportedVersion: 1, targetVersion: 2, inSync: false, drifted: false });

      const later = () => new Date(Date.now() + 11 * MINUTE);
      const past = await configStatus({ controlPlane, orgId, artifacts: ['tokens'], now: later, registry });
      await configStatus({ controlPlane, orgId, artifacts: ['tokens'], now: later });
      expect(past[0]?.consumers).toEqual([
        expect.objectContaining({ consumer: 'ios@production', reportedVersion: 2, inSync: true, drifted: false }),
        expect.objectContaining({ consumer: 'web@production', reportedVersion: 1, targetVersion: 2, drifted: true, heartbeat: 'late' }),
      ]);
      expect(await controlPlane.driftEvents({ orgId, status: 'open' })).toHaveLength(1);

      // The consumer catches up: the drift resolves.
      await reportHeartbeat({ controlPlane, orgId, artifact: 'tokens', consumer: 'web@production', hash: newHash });
      const caughtUp = await configStatus({ controlPlane, orgId, artifacts: ['tokens'], now: later });
      expect(caughtUp[0]?.consumers.every((consumer) => consumer.inSync && !consumer.drifted)).toBe(true);
    });

    if (options.concurrency) {
      it('makes one version of 50 concurrent publishes of the same content', async () => {
        const orgId = await orgOf('concurrent');
        const config = await tokensOnly(FIXTURE_REPO);
        const reports = await Promise.all(Array.from({ length: 50 }, () => publishConfig({ controlPlane, orgId, config })));
        expect(reports.filter((report) => report.changed)).toHaveLength(1);
        expect(new Set(reports.map((report) => report.artifacts[0]?.version?.id)).size).toBe(1);
        expect(await controlPlane.configVersions({ orgId, artifact: 'tokens' })).toHaveLength(1);
      }, 60_000);
    }
  });
}

describeConfigPublish(
  'config publish on the embedded control plane (PGlite)',
  async () => {
    const controlPlane = await openPgliteControlPlane({ dataDir: null });
    return { controlPlane, close: () => controlPlane.close() };
  },
  { concurrency: false },
);

const serverUp = await serverAvailable();
if (serverUp) {
  describeConfigPublish(
    'config publish on the Postgres server',
    async () => {
      const handle = await openControlPlaneDb('postgres');
      const controlPlane = openPgControlPlane({ connectionString: handle.connectionString as string, role: 'service_role', max: 20 });
      return {
        controlPlane,
        close: async () => {
          await controlPlane.close();
          await handle.close();
        },
      };
    },
    { concurrency: true },
  );
  describeConfigPublish(
    'config publish through supabase-js',
    async () => {
      const secret = 'test-secret-with-at-least-32-characters!!';
      const handle = await openControlPlaneDb('postgres');
      const api = await startPostgrestLite({ connectionString: handle.connectionString as string, jwtSecret: secret, schemas: ['public', 'ops'] });
      const controlPlane = openSupabaseControlPlane({ url: api.url, serviceRoleKey: signJwt({ role: 'service_role', iss: 'supabase' }, secret) });
      return {
        controlPlane,
        close: async () => {
          await controlPlane.close();
          await api.close();
          await handle.close();
        },
      };
    },
    { concurrency: false },
  );
}
