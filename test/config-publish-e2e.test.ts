/**
 * Done when: merging a tokens change publishes one new version and the job summary shows its
 * diff; `config status` shows a consumer that missed it as drifted; `config rollback` restores the
 * old content as a new version. The Action runs in process on push events, the CLI against the
 * same embedded control plane in the workspace.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigPublishAction, type ConfigPublishActionCore } from '../actions/config-publish/run.js';
import { runCli, type CliIo } from '../app/cli.js';
import { contentHash, parseStrictJson } from '../app/config-registry/index.js';

const FIXTURE_REPO = join(import.meta.dirname, 'fixtures', 'config-registry', 'repo');

interface RecordingCore extends ConfigPublishActionCore {
  outputs: Record<string, unknown>;
  failures: string[];
  summaries: string[];
}

function recordingCore(inputs: Record<string, string>): RecordingCore {
  const core: RecordingCore = {
    outputs: {},
    failures: [],
    summaries: [],
    getInput: (name) => inputs[name] ?? '',
    setOutput: (name, value) => void (core.outputs[name] = value),
    setFailed: (message) => void core.failures.push(String(message)),
    setSecret: () => undefined,
    info: () => undefined,
    summary: {
      addRaw: (text) => ({
        write: async () => {
          core.summaries.push(text);
        },
      }),
    },
  };
  return core;
}

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd, env: { PLATFORM_KIT_ORG: 'acme' } };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('config publish end to end (embedded control plane)', () => {
  let workspace: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'pk-config-e2e-'));
    await cp(FIXTURE_REPO, workspace, { recursive: true });
    await writeFile(
      join(workspace, 'config/consumers/consumers.json'),
      JSON.stringify({
        rings: [{ name: 'all', bakeMinutes: 0 }],
        consumers: [
          { id: 'web@production', kind: 'web', owner: 'team-web', environment: 'production', artifacts: ['tokens'], heartbeatIntervalSeconds: 60, ring: 'all' },
          { id: 'ios@production', kind: 'mobile', owner: 'team-mobile', environment: 'production', artifacts: ['tokens'], heartbeatIntervalSeconds: 60, ring: 'all' },
        ],
      }),
    );
    const eventFile = join(workspace, 'event.json');
    await writeFile(eventFile, JSON.stringify({ head_commit: { message: 'Darker brand blue (#42)', author: { username: 'designer' } } }));
    env = { GITHUB_WORKSPACE: workspace, GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventFile, GITHUB_SHA: 'd'.repeat(40), GITHUB_REPOSITORY_OWNER: 'acme' };
  });

  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  it('publishes the merge, shows the consumer that missed it as drifted, and rolls back as a new version', async () => {
    const inputs = { 'control-plane': 'embedded', 'grace-seconds': '0' };
    const first = recordingCore(inputs);
    await runConfigPublishAction(first, env);
    expect(first.failures).toEqual([]);
    expect(first.outputs.changed).toBe('true');
    const tokensFile = join(workspace, 'config/tokens/tokens.json');
    const oldHash = contentHash(parseStrictJson('tokens.json', await readFile(tokensFile, 'utf8')).value);
    for (const consumer of ['web@production', 'ios@production']) {
      const beat = await cli(['config', 'heartbeat', '--consumer', consumer, '--artifact', 'tokens', '--hash', oldHash], workspace);
      expect(beat).toMatchObject({ code: 0, stderr: '' });
    }

    // The merge: one token changes.
    await writeFile(tokensFile, (await readFile(tokensFile, 'utf8')).replace('"#0969da"', '"#0550ae"'));
    const merge = recordingCore(inputs);
    await runConfigPublishAction(merge, env);
    expect(merge.failures).toEqual([]);
    expect(merge.outputs.changed).toBe('true');
    expect(JSON.parse(merge.outputs['version-ids'] as string)).toHaveLength(1);
    const summary = merge.summaries.join('\n');
    expect(summary).toMatch(/\| `tokens` \| v1 `[0-9a-f]{12}` \| v2 `[0-9a-f]{12}` \| published/);
    expect(summary).toContain('| `consumers` | v1');
    expect(summary).toContain('| changed | `color.brand.primary` | color | `#0969da` | `#0550ae` |');
    expect(summary).toContain('| changed | `color.text.link` | color | `#0969da` | `#0550ae` |');
    const newHash = contentHash(parseStrictJson('tokens.json', await readFile(tokensFile, 'utf8')).value);

    // iOS picks it up; web keeps running the old tokens.
    expect((await cli(['config', 'heartbeat', '--consumer', 'ios@production', '--artifact', 'tokens', '--hash', newHash], workspace)).code).toBe(0);
    const status = await cli(['config', 'status', '--artifact', 'tokens', '--format', 'json'], workspace);
    expect(status.code).toBe(0);
    const consumers = (JSON.parse(status.stdout) as { artifacts: Array<{ consumers: Array<Record<string, unknown>> }> }).artifacts[0]?.consumers;
    expect(consumers).toEqual([
      expect.objectContaining({ consumer: 'ios@production', targetVersion: 2, reportedVersion: 2, drifted: false }),
      expect.objectContaining({ consumer: 'web@production', targetVersion: 2, reportedVersion: 1, drifted: true }),
    ]);
    const table = await cli(['config', 'status'], workspace);
    expect(table.stdout).toMatch(/web@production\s+v2\s+v1\s+\S+\s+ok\s+DRIFTED/);

    const rollback = await cli(['config', 'rollback', '--artifact', 'tokens', '--reason', 'contrast regression on web', '--format', 'json'], workspace);
    expect(rollback.stderr).toBe('');
    expect(JSON.parse(rollback.stdout)).toMatchObject({ version: { version: 3, hash: oldHash }, restored: { version: 1 }, from: { version: 2, hash: newHash } });
    // The old content is the target again: web, still on it, is back in sync.
    const after = await cli(['config', 'status', '--artifact', 'tokens', '--format', 'json'], workspace);
    const web = (JSON.parse(after.stdout) as { artifacts: Array<{ consumers: Array<Record<string, unknown>> }> }).artifacts[0]?.consumers.find((entry) => entry.consumer === 'web@production');
    expect(web).toMatchObject({ targetVersion: 3, inSync: true, drifted: false });
    expect(JSON.parse(rollback.stdout).diff.changed.map((change: { name: string }) => change.name)).toEqual(['color.brand.primary', 'color.text.link']);
    // One ring, already running the rollback: nothing left to promote.
    const promote = await cli(['config', 'promote', '--artifact', 'tokens', '--format', 'json'], workspace);
    expect(JSON.parse(promote.stdout)).toEqual({ outcome: 'complete', version: 3 });
  }, 120_000);

  it('gives clear errors and writes nothing for bad input', async () => {
    const hash = 'f'.repeat(64);
    const unknown = await cli(['config', 'heartbeat', '--consumer', 'android@production', '--artifact', 'tokens', '--hash', hash], workspace);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('consumer "android@production" is not in the registry') });
    const missing = await cli(['config', 'rollback', '--artifact', 'tokens', '--to', '99', '--reason', 'x'], workspace);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/artifact tokens has no version 99 \(versions 1 to \d+\)/) });
    const usage = await cli(['config', 'rollback', '--artifact', 'tokens'], workspace);
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining('needs --reason') });

    const broken = join(workspace, 'broken');
    await cp(join(workspace, 'config'), join(broken, 'config'), { recursive: true });
    await writeFile(join(broken, 'config/tokens/tokens.json'), '{\n  "a": { "$type": "color", "$value": "#fff" },\n  "a": { "$type": "color", "$value": "#000" }\n}');
    const publish = await cli(['config', 'publish', '--repo', 'broken', '--control-plane', 'embedded'], workspace);
    expect(publish.code).toBe(1);
    expect(publish.stderr).toContain('config/tokens/tokens.json:3:3: /a: duplicate key "a"');
    expect(publish.stderr).toContain('nothing was published');
  }, 120_000);
});
