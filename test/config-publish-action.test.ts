/**
 * The config-publish Action in process. On pull_request events it validates, comments the diff on
 * the pull request (one comment, edited on later pushes; GitHub's API served by the
 * OpenAPI-validated fake) and publishes nothing. On push, its `ring` input promotes as far as the
 * rings' checks allow.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigPublishAction, type ConfigPublishActionCore } from '../actions/config-publish/run.js';
import { CONFIG_COMMENT_MARKER } from '../app/config-registry/index.js';
import { openPgliteControlPlane } from '../app/control-plane/index.js';
import { FakeGitHub } from './helpers/github/fake-github.js';

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
    summary: { addRaw: (text) => ({ write: async () => void core.summaries.push(text) }) },
  };
  return core;
}

describe('config-publish on a pull request', () => {
  let workspace: string;
  let fake: FakeGitHub;

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'pk-config-pr-'));
    await cp(FIXTURE_REPO, workspace, { recursive: true });
    fake = new FakeGitHub().start();
  });

  afterAll(async () => {
    fake?.stop();
    await rm(workspace, { recursive: true, force: true });
  });

  it('comments the diff once, edits it on the next push, and publishes nothing', async () => {
    const repo = fake.addRepo({ owner: 'acme', name: 'design-system' });
    const base = fake.commit(null, { 'README.md': 'x' });
    const head = fake.commit(base, { 'README.md': 'y' });
    const pull = fake.openPullRequest(repo, { base: { sha: base }, head: { sha: head } });
    const eventFile = join(workspace, 'event.json');
    await writeFile(eventFile, JSON.stringify({ pull_request: { number: pull.number } }));
    const env = { GITHUB_WORKSPACE: workspace, GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventFile, GITHUB_REPOSITORY: 'acme/design-system', GITHUB_REPOSITORY_OWNER: 'acme' };
    const octokit = new Octokit({ auth: fake.issueToken() });
    const inputs = { artifacts: 'config/**/*.json', 'control-plane': 'embedded', 'github-token': 'unused' };

    const first = recordingCore(inputs);
    const outcome = await runConfigPublishAction(first, env, octokit);
    expect(first.failures).toEqual([]);
    expect(outcome?.comment?.action).toBe('created');
    expect(first.outputs).toEqual({ 'version-ids': '[]', changed: 'true' });
    const [comment] = fake.commentsOn(repo, pull.number);
    expect(comment?.body.startsWith(CONFIG_COMMENT_MARKER)).toBe(true);
    expect(comment?.body).toContain('## Config changes in this pull request (validation only, nothing published)');
    expect(comment?.body).toContain('| added | `color.brand.primary` | color |  | `#0969da` |');
    expect(comment?.body).toContain('| added | `/checkout/rolloutPercent` |  |  | `10` |');

    const tokens = join(workspace, 'config/tokens/tokens.json');
    await writeFile(tokens, (await readFile(tokens, 'utf8')).replace('"#8250df"', '"#6639ba"'));
    const second = recordingCore(inputs);
    expect((await runConfigPublishAction(second, env, octokit))?.comment?.action).toBe('updated');
    expect(fake.commentsOn(repo, pull.number)).toHaveLength(1);
    expect(fake.commentsOn(repo, pull.number)[0]?.body).toContain('`#6639ba`');

    // A broken alias: the comment lists the problem with its file, line and pointer, and the step fails.
    await writeFile(tokens, (await readFile(tokens, 'utf8')).replace('"{color.brand.primary}"', '"{color.brand.tertiary}"'));
    const third = recordingCore(inputs);
    await runConfigPublishAction(third, env, octokit);
    expect(third.failures).toEqual([expect.stringContaining('alias {color.brand.tertiary} points to no token')]);
    expect(fake.commentsOn(repo, pull.number)).toHaveLength(1);
    expect(fake.commentsOn(repo, pull.number)[0]?.body).toMatch(/config\/tokens\/tokens.json:8:35: \/color\/text\/link\/\$value: alias \{color.brand.tertiary\} points to no token/);
    expect(fake.violations).toEqual([]);

    const controlPlane = await openPgliteControlPlane({ dataDir: join(workspace, '.platform-kit/control-plane') });
    try {
      expect((await controlPlane.db.query<{ count: number }>('select count(*)::int as count from ops.config_versions')).rows[0]?.count).toBe(0);
    } finally {
      await controlPlane.close();
    }
  }, 120_000);
});

describe('config-publish promoting up to a ring', () => {
  let workspace: string;

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'pk-config-ring-'));
    await cp(FIXTURE_REPO, workspace, { recursive: true });
    const registryFile = join(workspace, 'config/consumers/consumers.json');
    const registry = JSON.parse(await readFile(registryFile, 'utf8')) as { rings: Array<{ bakeMinutes: number }> };
    for (const ring of registry.rings) ring.bakeMinutes = 0;
    await writeFile(registryFile, JSON.stringify(registry));
  });

  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  it('stops at the first ring whose consumers have not reported the version healthy', async () => {
    const env = { GITHUB_WORKSPACE: workspace, GITHUB_EVENT_NAME: 'push', GITHUB_SHA: 'e'.repeat(40), GITHUB_REPOSITORY_OWNER: 'acme' };
    const inputs = { artifacts: 'config/**/*.json', 'control-plane': 'embedded', ring: 'production' };
    const first = recordingCore(inputs);
    const published = await runConfigPublishAction(first, env);
    expect(first.failures).toEqual([]);
    expect(published?.report.artifacts.find((artifact) => artifact.name === 'tokens')?.ring).toBe('canary');
    expect(published?.promotions.find((promotion) => promotion.artifact === 'tokens')).toMatchObject({ outcome: 'waiting', ring: 'staging' });

    const controlPlane = await openPgliteControlPlane({ dataDir: join(workspace, '.platform-kit/control-plane') });
    try {
      const orgId = (await controlPlane.introspection.findOrg('acme')) as string;
      await controlPlane.recordConfigCheck({ orgId, artifact: 'tokens', consumer: 'web@canary', check: 'visual', status: 'pass', version: 1 });
    } finally {
      await controlPlane.close();
    }

    const second = recordingCore(inputs);
    const promoted = await runConfigPublishAction(second, env);
    expect(second.failures).toEqual([]);
    expect(second.outputs.changed).toBe('false');
    expect(promoted?.promotions.filter((promotion) => promotion.artifact === 'tokens')).toEqual([
      { artifact: 'tokens', outcome: 'promoted', version: 1, ring: 'staging' },
      expect.objectContaining({ artifact: 'tokens', outcome: 'waiting', ring: 'production', reason: expect.stringContaining('web@staging') }),
    ]);
  }, 120_000);
});
