/**
 * The bundled config-publish Action, run as GitHub runs it (node dist/index.js with INPUT_* and the
 * runner's files) from a folder with no node_modules: a push publishes to a control plane on the
 * Postgres server, an identical push changes nothing, invalid tokens publish nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { installActionBundle, parseOutputFile } from './helpers/action-bundle.js';
import { openControlPlaneDb, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { serverAvailable } from './helpers/postgres-server.js';

const run = promisify(execFile);
const FIXTURE_REPO = join(import.meta.dirname, 'fixtures', 'config-registry', 'repo');

interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

const serverUp = await serverAvailable();
const describeServer = serverUp ? describe : describe.skip;

describeServer('the bundled config-publish Action', () => {
  let runner: string;
  let workspace: string;
  let controlPlane: ControlPlaneDb;

  beforeAll(async () => {
    runner = await mkdtemp(join(tmpdir(), 'pk-config-publish-action-'));
    await installActionBundle('config-publish', runner);
    workspace = join(runner, 'workspace');
    await cp(FIXTURE_REPO, workspace, { recursive: true });
    controlPlane = await openControlPlaneDb('postgres');
  }, 600_000);

  afterAll(async () => {
    await controlPlane?.close();
    await rm(runner, { recursive: true, force: true });
  });

  async function runAction(inputs: Record<string, string>, event: Record<string, unknown> = {}): Promise<ActionRun> {
    const stamp = Math.random().toString(36).slice(2);
    const outputFile = join(runner, `output-${stamp}`);
    const summaryFile = join(runner, `summary-${stamp}.md`);
    const eventFile = join(runner, `event-${stamp}.json`);
    await writeFile(outputFile, '');
    await writeFile(summaryFile, '');
    await writeFile(eventFile, JSON.stringify(event));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: 'acme/design-system',
      GITHUB_REPOSITORY_OWNER: 'acme',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: eventFile,
      GITHUB_SHA: 'c'.repeat(40),
      GITHUB_ACTOR: 'octocat',
      RUNNER_TEMP: join(runner, 'tmp'),
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
    };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    const result = await run(process.execPath, [join(runner, 'dist', 'index.js')], { cwd: runner, env, timeout: 120_000 }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
    );
    return { ...result, outputs: parseOutputFile(await readFile(outputFile, 'utf8')), summary: await readFile(summaryFile, 'utf8') };
  }

  const ARTIFACTS = 'config/tokens/*.json\nconfig/consumers/consumers.json\nconfig/flags/flags.json';

  it('publishes on push, records the pull request, and changes nothing on an identical push', async () => {
    const url = controlPlane.connectionString as string;
    const inputs = { artifacts: ARTIFACTS, 'control-plane': url, 'grace-seconds': '600' };
    const first = await runAction(inputs, { head_commit: { message: 'Brand colours (#12)', author: { username: 'octocat' } } });
    expect(first.stdout).not.toContain('::error::');
    expect(first.code).toBe(0);
    expect(first.outputs.changed).toBe('true');
    expect(JSON.parse(first.outputs['version-ids'] as string)).toHaveLength(3);
    expect(first.stdout).toContain(`::add-mask::${url}`);
    expect(first.summary).toContain('| `tokens` | - | v1 `');
    expect(first.summary).toContain('| added | `color.brand.primary` | color |  | `#0969da` |');
    const { rows } = await controlPlane.db.query<{ source_ref: string; published_by: string }>(`select source_ref, published_by from ops.config_versions order by id limit 1`);
    expect(rows[0]).toEqual({ source_ref: `${'c'.repeat(40)} #12`, published_by: 'octocat' });

    const again = await runAction(inputs);
    expect(again.code).toBe(0);
    expect(again.outputs.changed).toBe('false');
    expect(again.outputs['version-ids']).toBe('[]');
    expect(again.summary).toContain('unchanged');
  });

  it('publishes nothing when a token is invalid and names the file, pointer and line', async () => {
    const url = controlPlane.connectionString as string;
    const before = await controlPlane.db.query<{ count: number }>(`select count(*)::int as count from ops.config_versions`);
    const file = join(workspace, 'config/tokens/tokens.json');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('"#8250df"', '"purple"'));
    try {
      const broken = await runAction({ artifacts: ARTIFACTS, 'control-plane': url });
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(/::error::1 invalid artifact value\(s\); nothing was published:%0Aconfig\/tokens\/tokens.json:6:\d+: \/color\/brand\/secondary\/\$value: invalid color/);
      expect(broken.outputs.changed).toBe('false');
      expect(broken.summary).toContain('nothing was published');
    } finally {
      await writeFile(file, original);
    }
    const after = await controlPlane.db.query<{ count: number }>(`select count(*)::int as count from ops.config_versions`);
    expect(after.rows[0]?.count).toBe(before.rows[0]?.count);
  });
});
