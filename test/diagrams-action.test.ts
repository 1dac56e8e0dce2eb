import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/core';
import { runCheckAction, type ActionCore } from '../actions/check/run.js';
import { DrawioOfflineRenderer } from '../app/checks/diagrams/renderer/drawio-offline.js';
import type { CheckResult } from '../app/checks/types.js';
import { autofixTarget } from '../app/github/autofix-diagrams.js';
import { parseDiagramsOutput, publishDiagramImages } from '../app/github/autofix-action.js';
import { createTempRepo, type TempRepo } from '../scripts/lib/temp-repo.js';
import { describeWithChromium } from './helpers/diagrams.js';
import { mxfile, serviceModel } from './helpers/diagrams-fixtures.js';
import { FakeGitHub } from './helpers/github/fake-github.js';

/**
 * The check Action with diagrams, from source: the checks on a real checkout, then what
 * `diagrams-output` asks for: the images in a folder for actions/upload-artifact, or a commit of
 * the regenerated PNGs through the (fake, OpenAPI-validated) GitHub API.
 */

const source = (label = 'API gateway') => mxfile([{ id: 'services', name: 'Services', model: serviceModel(label) }]);

interface Recorded {
  failed: string[];
  outputs: Record<string, unknown>;
  info: string[];
  summary: string[];
}

function fakeCore(inputs: Record<string, string>): ActionCore & { recorded: Recorded } {
  const recorded: Recorded = { failed: [], outputs: {}, info: [], summary: [] };
  let pending = '';
  return {
    recorded,
    getInput: (name) => inputs[name] ?? '',
    setOutput: (name, value) => void (recorded.outputs[name] = value),
    setFailed: (message) => void recorded.failed.push(String(message)),
    error: () => {},
    warning: (message) => void recorded.info.push(`warning: ${String(message)}`),
    notice: () => {},
    info: (message) => void recorded.info.push(message),
    summary: {
      addRaw: (text: string) => void (pending += text),
      write: async () => {
        recorded.summary.push(pending);
        pending = '';
      },
    },
  };
}

it('accepts commit, artifact and none for diagrams-output, artifact by default', () => {
  expect(parseDiagramsOutput('')).toBe('artifact');
  expect(parseDiagramsOutput('Commit')).toBe('commit');
  expect(parseDiagramsOutput('none')).toBe('none');
  expect(() => parseDiagramsOutput('upload')).toThrow('input diagrams-output must be one of commit, artifact, none (got "upload")');
});

it('does nothing when no finding has images', async () => {
  const core = fakeCore({});
  const results: CheckResult[] = [{ checkId: 'diagrams', title: 'Diagrams', conclusion: 'success', summary: '', findings: [] }];
  expect(await publishDiagramImages(core, results, {})).toEqual({ mode: 'artifact', images: 0 });
  expect(core.recorded.outputs).toEqual({});
  expect(core.recorded.summary).toEqual([]);
});

describeWithChromium('the check Action with an outdated diagram export', () => {
  let renderer: DrawioOfflineRenderer;
  let repo: TempRepo;
  let eventPath: string;
  let baseSha: string;
  let servicePng: Buffer;
  let freshPng: Buffer;

  beforeAll(async () => {
    renderer = new DrawioOfflineRenderer();
    servicePng = (await renderer.renderPage(source(), 0, 'arch.drawio')).png;
    freshPng = (await renderer.renderPage(source('API gateway v2'), 0, 'arch.drawio')).png;
    await renderer.close();
    repo = await createTempRepo('pk-diagrams-action-');
    await repo.write({ '.github/platform-kit.yml': 'checks:\n  diagrams:\n    enabled: true\n', 'docs/arch.drawio': source(), 'docs/arch.png': servicePng });
    baseSha = await repo.commit('base');
    await repo.git('checkout', '--quiet', '-b', 'docs/gateway');
    await repo.write({ 'docs/arch.drawio': source('API gateway v2') });
    await repo.commit('rename the gateway');
    eventPath = join(repo.dir, '..', `${repo.dir.split('/').pop()}-event.json`);
  });
  afterAll(async () => {
    await repo.remove();
    await rm(eventPath, { force: true });
  });

  async function writeEvent(head: { ref: string; sha: string }, headRepo = 'acme/handbook'): Promise<void> {
    const pullRequest = {
      number: 3,
      title: 'Rename the gateway',
      body: '',
      head: { ...head, repo: { full_name: headRepo } },
      base: { ref: 'main', sha: baseSha, repo: { full_name: 'acme/handbook' } },
    };
    await writeFile(eventPath, JSON.stringify({ pull_request: pullRequest }));
  }

  async function runAction(inputs: Record<string, string>, octokit?: Octokit) {
    const core = fakeCore(inputs);
    const env = { GITHUB_WORKSPACE: repo.dir, GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'acme/handbook' };
    const outcome = await runCheckAction(core, env);
    if (!outcome) throw new Error(`the Action failed: ${core.recorded.failed.join('; ')}`);
    const images = await publishDiagramImages(core, outcome.results, env, octokit ? { octokit } : {});
    return { core, outcome, images };
  }

  it('fails the step and leaves before/after/diff images in the folder named by diagrams-dir (the default)', async () => {
    await writeEvent({ ref: 'docs/gateway', sha: 'a'.repeat(40) });
    const { core, outcome, images } = await runAction({});
    expect(outcome.failed).toBe(true);
    expect(core.recorded.failed).toEqual(['Platform Kit found 1 finding at or above fail-on: error']);
    const dir = core.recorded.outputs['diagrams-dir'] as string;
    expect(images).toEqual({ mode: 'artifact', dir, images: 3 });
    expect((await readdir(dir)).filter((name) => name.startsWith('docs__arch.')).sort()).toEqual(['docs__arch.after.png', 'docs__arch.before.png', 'docs__arch.diff.png']);
    expect((await readFile(join(dir, 'docs__arch.after.png'))).equals(freshPng)).toBe(true);
    expect((await readFile(join(dir, 'docs__arch.before.png'))).equals(servicePng)).toBe(true);
    // The job summary: the finding row names the images, then where to upload them from.
    const summary = core.recorded.summary.join('\n');
    expect(summary).toContain(`Images: before \`${join(dir, 'docs__arch.before.png')}\``);
    expect(summary).toContain('### Diagram images');
    expect(summary).toContain('actions/upload-artifact');
  });

  it('writes nothing with diagrams-output none', async () => {
    await writeEvent({ ref: 'docs/gateway', sha: 'a'.repeat(40) });
    const { core, images } = await runAction({ 'diagrams-output': 'none' });
    expect(images).toEqual({ mode: 'none', images: 3 });
    expect(core.recorded.outputs['diagrams-dir']).toBeUndefined();
  });

  describe('diagrams-output: commit', () => {
    let fake: FakeGitHub;
    let octokit: Octokit;
    let fakeRepo: ReturnType<FakeGitHub['addRepo']>;
    let head: string;

    beforeEach(() => {
      fake = new FakeGitHub().start();
      octokit = new Octokit({ auth: fake.issueToken() });
      fakeRepo = fake.addRepo({ owner: 'acme', name: 'handbook' });
      const main = fake.commit(null, { 'docs/arch.drawio': source(), 'docs/arch.png': servicePng });
      fake.setBranch(fakeRepo, 'main', main);
      head = fake.commit(main, { 'docs/arch.drawio': source('API gateway v2') });
      fake.setBranch(fakeRepo, 'docs/gateway', head);
    });
    afterEach(() => {
      expect(fake.violations).toEqual([]);
      fake.stop();
    });

    it('commits the regenerated PNG to the pull request branch once', async () => {
      await writeEvent({ ref: 'docs/gateway', sha: head });
      const { images } = await runAction({ 'diagrams-output': 'commit' }, octokit);
      const tip = fake.branchHead(fakeRepo, 'docs/gateway') as string;
      expect(images.commit).toEqual({ status: 'committed', sha: tip, files: ['docs/arch.png'] });
      const commit = fake.gitCommit(tip);
      expect(commit.parents).toEqual([head]);
      expect(autofixTarget(commit.message)).toBe(head);
      expect(commit.files.get('docs/arch.png')?.equals(freshPng)).toBe(true);
      expect(existsSync(images.dir as string)).toBe(true);

      // The workflow re-run for the same head: no second commit.
      const again = await runAction({ 'diagrams-output': 'commit' }, octokit);
      expect(again.images.commit).toEqual({ status: 'skipped', reason: `the exports of ${head.slice(0, 7)} were already regenerated in ${tip.slice(0, 7)}` });
      expect(fake.branchHead(fakeRepo, 'docs/gateway')).toBe(tip);
    });

    it('never commits to a fork', async () => {
      await writeEvent({ ref: 'docs/gateway', sha: head }, 'contributor/handbook');
      const { images, core } = await runAction({ 'diagrams-output': 'commit' }, octokit);
      expect(images.commit).toEqual({ status: 'skipped', reason: 'the pull request comes from a fork; nothing is committed to it' });
      expect(fake.apiRequests()).toEqual([]);
      expect(core.recorded.summary.join('\n')).toContain('No commit: the pull request comes from a fork');
      expect(fake.branchHead(fakeRepo, 'docs/gateway')).toBe(head);
    });
  });
});
