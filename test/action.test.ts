import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import type { AnnotationProperties } from '@actions/core';
import { runCheckAction, type ActionCore } from '../actions/check/run.js';
import { runCli, type CliIo } from '../app/cli.js';
import { createTempRepo, type TempRepo } from '../scripts/lib/temp-repo.js';
import { installActionBundle, parseOutputFile } from './helpers/action-bundle.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const DEMO = join(ROOT, 'test', 'fixtures', 'demo');
const BRANCH = 'feat/one-page-checkout';
const BODY = 'Replaces the four checkout pages with one.\n\nSpec: spec/payments\n';

interface WebhookExample {
  name: string;
  examples: Array<{ action?: string; pull_request?: Record<string, unknown> & { base: Record<string, unknown>; head: Record<string, unknown> } }>;
}

/** A real `pull_request.opened` payload from GitHub's published examples, pointed at our repository. */
function pullRequestEvent(baseSha: string, headSha: string): unknown {
  const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookExample[];
  const opened = examples.find((e) => e.name === 'pull_request')?.examples.find((e) => e.action === 'opened');
  if (!opened?.pull_request) throw new Error('no pull_request.opened example in @octokit/webhooks-examples');
  const event = structuredClone(opened) as typeof opened & { pull_request: NonNullable<typeof opened.pull_request> };
  event.pull_request.body = BODY;
  event.pull_request.labels = [{ id: 1, name: 'enhancement', color: 'a2eeef', default: true }];
  event.pull_request.base = { ...event.pull_request.base, sha: baseSha, ref: 'main' };
  event.pull_request.head = { ...event.pull_request.head, sha: headSha, ref: BRANCH };
  return event;
}

let repo: TempRepo;
let runner: string;
let baseSha: string;
let headSha: string;

beforeAll(async () => {
  // The bundle runs from a folder with no node_modules anywhere above it: it must be self-contained.
  runner = await mkdtemp(join(tmpdir(), 'pk-action-run-'));
  // The committed bundle when it is current, else a fresh build (never over the committed one).
  await installActionBundle('check', runner);

  repo = await createTempRepo('pk-action-ws-');
  await repo.copyFrom(join(DEMO, 'base'));
  baseSha = await repo.commit('base');
  await repo.git('checkout', '--quiet', '-b', BRANCH);
  await repo.copyFrom(join(DEMO, 'feature'));
  headSha = await repo.commit('feature');
  await writeFile(join(runner, 'event.json'), JSON.stringify(pullRequestEvent(baseSha, headSha)));
}, 300_000);

afterAll(async () => {
  await repo?.remove();
  if (runner) await rm(runner, { recursive: true, force: true });
});

interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

async function runAction(inputs: Record<string, string>, workspace = repo.dir): Promise<ActionRun> {
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const outputFile = join(runner, `output-${stamp}`);
  const summaryFile = join(runner, `summary-${stamp}.md`);
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? tmpdir(),
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: join(runner, 'event.json'),
    GITHUB_WORKSPACE: workspace,
    GITHUB_BASE_REF: 'main',
    GITHUB_HEAD_REF: BRANCH,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const result = await run(process.execPath, [join(runner, 'dist', 'index.js')], { cwd: runner, env, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
  return { ...result, outputs: parseOutputFile(await readFile(outputFile, 'utf8')), summary: await readFile(summaryFile, 'utf8') };
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: repo.dir, env: {} };
  return { code: await runCli(argv, io), stdout, stderr };
}

interface SarifLog {
  version: string;
  runs: Array<{ results: Array<{ ruleId: string; level: string; locations?: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }> }> }>;
}

describe('the bundled check Action', () => {
  it('annotates, summarises, sets outputs, writes SARIF and fails on errors', async () => {
    const action = await runAction({ 'fail-on': 'error', 'sarif-file': 'reports/platform-kit.sarif', checks: '', config: '', base: '' });

    expect(action.stderr).toBe('');
    expect(action.code).toBe(1);
    // spec-bundle finds 5 errors; schema-safety's count comes from its row of the summary, so
    // rules added to it later do not move this test, while every output must still agree with it.
    expect(action.summary).toContain('| platform-kit/spec-bundle | ❌ failure | 5 | 0 | 0 |');
    const schemaRow = /^\| platform-kit\/schema-safety \| ❌ failure \| (\d+) \| (\d+) \| (\d+) \|$/m.exec(action.summary);
    expect(schemaRow).not.toBeNull();
    const [schemaErrors, schemaWarnings, schemaNotices] = (schemaRow ?? []).slice(1).map(Number) as [number, number, number];
    expect(schemaErrors).toBeGreaterThan(0);
    const findingsCount = 5 + schemaErrors + schemaWarnings + schemaNotices;
    expect(action.outputs).toEqual({ conclusion: 'failure', 'findings-count': String(findingsCount) });

    expect(action.stdout).toMatch(/^::error [^\n]*file=spec\/checkout\/prd\.md,line=2,[^\n]*::The frontmatter of spec\/checkout\/prd\.md is not valid YAML/m);
    expect(action.stdout).toMatch(/^::error [^\n]*file=spec\/checkout\/prd\.md,line=6,[^\n]*::spec\/checkout\/prd\.md has no "Goals" heading/m);
    expect(action.stdout).toMatch(/^::error [^\n]*file=spec\/checkout\/tasks\.md,line=1,/m);
    // Findings about the whole change (the PR body links a missing bundle) have no file.
    expect(action.stdout).toMatch(/^::error title=Linked spec bundle not found[^\n]*::`Spec: spec\/payments` \(PR body, line 3\)/m);
    // The migration the PR adds is parsed by libpg-query's WASM build, shipped beside the bundle.
    const migration = 'supabase\\/migrations\\/20240418150000_one_page_checkout\\.sql';
    expect(action.stdout).toMatch(new RegExp(`^::error title=[^\\n]*\\(schema-safety\\/rls-not-enabled\\),file=${migration},line=3,[^\\n]*::public\\.carts is created in \`public\``, 'm'));
    expect(action.stdout).toMatch(new RegExp(`^::error::Platform Kit found ${5 + schemaErrors} findings at or above fail-on: error$`, 'm'));

    expect(action.summary).toContain('`spec/checkout/prd.md:2`');
    expect(action.summary).toContain('`supabase/migrations/20240418150000_one_page_checkout.sql:3`');

    const sarif = JSON.parse(await readFile(join(repo.dir, 'reports', 'platform-kit.sarif'), 'utf8')) as SarifLog;
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0]?.results ?? [];
    expect(results).toHaveLength(findingsCount);
    expect(results).toContainEqual(
      expect.objectContaining({
        ruleId: 'schema-safety/rls-not-enabled',
        level: 'error',
        locations: [
          expect.objectContaining({
            physicalLocation: expect.objectContaining({
              artifactLocation: expect.objectContaining({ uri: 'supabase/migrations/20240418150000_one_page_checkout.sql' }),
              region: expect.objectContaining({ startLine: 3 }),
            }),
          }),
        ],
      }),
    );
    expect(results).toContainEqual(
      expect.objectContaining({
        level: 'error',
        locations: [expect.objectContaining({ physicalLocation: expect.objectContaining({ artifactLocation: expect.objectContaining({ uri: 'spec/checkout/prd.md' }), region: expect.objectContaining({ startLine: 2 }) }) })],
      }),
    );
  });

  it('finds exactly what the CLI finds on the same checkout', async () => {
    const sarifPath = 'parity/action.sarif';
    const action = await runAction({ 'fail-on': 'never', 'sarif-file': sarifPath });
    expect(action.code).toBe(0);
    const actionSarif = JSON.parse(await readFile(join(repo.dir, sarifPath), 'utf8')) as SarifLog;

    await writeFile(join(repo.dir, 'parity', 'body.md'), BODY);
    const cliArgs = ['check', '--base', baseSha, '--pr-body', 'parity/body.md', '--label', 'enhancement'];
    const cliSarif = await cli([...cliArgs, '--format', 'sarif']);
    expect(cliSarif.code).toBe(1);
    expect(JSON.parse(cliSarif.stdout)).toEqual(actionSarif);

    const cliJson = JSON.parse((await cli([...cliArgs, '--format', 'json'])).stdout) as { checks: Array<{ findings: Array<{ ruleId: string; path?: string; startLine?: number | null }> }> };
    const cliFindings = cliJson.checks.flatMap((check) => check.findings);
    expect(String(cliFindings.length)).toBe(action.outputs['findings-count']);
    const annotated = cliFindings.filter((finding) => finding.path).map((f) => `file=${f.path},line=${f.startLine ?? 1},`);
    for (const fragment of annotated) expect(action.stdout).toContain(fragment);
  });

  it('stays advisory with fail-on: never, and rejects an unknown fail-on', async () => {
    const advisory = await runAction({ 'fail-on': 'never' });
    expect(advisory.code).toBe(0);
    expect(advisory.outputs['conclusion']).toBe('failure');
    expect(advisory.stdout).not.toMatch(/^::error::/m);

    const badInput = await runAction({ 'fail-on': 'sometimes' });
    expect(badInput.code).toBe(1);
    expect(badInput.stdout).toContain('::error::input fail-on must be one of error, warning, notice, never (got "sometimes")');
  });

  it('uses the `base` input over the event, and names refs that do not exist', async () => {
    // Against its own branch the change is empty: only the PR body's link to a missing bundle remains.
    const sameAsHead = await runAction({ base: BRANCH });
    expect(sameAsHead.outputs).toEqual({ conclusion: 'failure', 'findings-count': '1' });
    expect(sameAsHead.stdout).toContain('Checked 0 changed file(s)');
    expect(sameAsHead.stdout).not.toContain('spec/checkout');

    const missing = await runAction({ base: 'origin/nowhere' });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('::error::base ref "origin/nowhere" does not name a commit');
  });

  it('reports a broken config as the failing platform-kit/config check, whatever fail-on says', async () => {
    const broken = await createTempRepo('pk-action-badcfg-');
    try {
      await broken.write({ '.github/platform-kit.yml': 'checks:\n  spec-bundle:\n    enabled: sometimes\n', 'a.txt': 'a\n' });
      await broken.commit('base');
      await broken.git('checkout', '--quiet', '-b', BRANCH);
      await broken.write({ 'b.txt': 'b\n' });
      await broken.commit('feature');
      const action = await runAction({ 'fail-on': 'never', base: 'main' }, broken.dir);
      expect(action.code).toBe(1);
      expect(action.outputs).toEqual({ conclusion: 'failure', 'findings-count': '1' });
      expect(action.stdout).toMatch(/^::error [^\n]*file=\.github\/platform-kit\.yml,line=3,[^\n]*::\.github\/platform-kit\.yml:3:\d+: checks\.spec-bundle\.enabled/m);
      expect(action.summary).toContain('platform-kit/config');
      expect(action.stdout).toContain('::error::Platform Kit found 1 finding in the config; no check ran');
    } finally {
      await broken.remove();
    }
  });
});

describe('runCheckAction (in process)', () => {
  interface Recorded {
    failed: string[];
    outputs: Record<string, unknown>;
    annotations: Array<{ level: string; message: string; file?: string }>;
  }

  function fakeCore(inputs: Record<string, string>): ActionCore & { recorded: Recorded } {
    const recorded: Recorded = { failed: [], outputs: {}, annotations: [] };
    const annotate = (level: string) => (message: string | Error, properties?: AnnotationProperties) =>
      void recorded.annotations.push({ level, message: String(message), file: properties?.file });
    return {
      recorded,
      getInput: (name) => inputs[name] ?? '',
      setOutput: (name, value) => void (recorded.outputs[name] = value),
      setFailed: (message) => void recorded.failed.push(String(message)),
      error: annotate('error'),
      warning: annotate('warning'),
      notice: annotate('notice'),
      info: () => {},
      summary: { addRaw: () => undefined, write: async () => undefined },
    };
  }

  it('fails per fail-on: warnings pass fail-on error and fail fail-on warning or notice', async () => {
    const r = await createTempRepo('pk-action-failon-');
    try {
      await r.write({ '.github/platform-kit.yml': 'checks:\n  spec-bundle:\n    rules:\n      missing-link: warning\n' });
      await r.commit('base');
      await r.git('checkout', '--quiet', '-b', 'feature');
      await r.write({ 'src/big.ts': Array.from({ length: 600 }, (_, i) => `export const v${i} = ${i};`).join('\n') });
      await r.commit('feature');
      const env = { GITHUB_WORKSPACE: r.dir };
      const outcomes: Record<string, string[]> = {};
      for (const failOn of ['error', 'warning', 'notice', 'never']) {
        const core = fakeCore({ 'fail-on': failOn, base: 'main' });
        const outcome = await runCheckAction(core, env);
        expect(outcome?.findingsCount).toBe(1);
        expect(core.recorded.annotations).toEqual([expect.objectContaining({ level: 'warning', message: expect.stringContaining('600 lines added') })]);
        expect(core.recorded.outputs).toEqual({ conclusion: 'success', 'findings-count': '1' });
        outcomes[failOn] = core.recorded.failed;
      }
      expect(outcomes).toEqual({
        error: [],
        warning: ['Platform Kit found 1 finding at or above fail-on: warning'],
        notice: ['Platform Kit found 1 finding at or above fail-on: notice'],
        never: [],
      });
    } finally {
      await r.remove();
    }
  });

  it('compares a push with the commit before it, and a new branch with the default branch', async () => {
    const r = await createTempRepo('pk-action-push-');
    try {
      await r.write({ 'a.txt': 'a\n' });
      await r.commit('one');
      const before = await r.commit('two');
      await r.write({ 'b.txt': 'b\n', 'c.txt': 'c\n' });
      await r.commit('pushed');
      const eventPath = join(r.dir, '.git', 'event.json');
      const checked = async (event: object): Promise<string[]> => {
        await writeFile(eventPath, JSON.stringify(event));
        const messages: string[] = [];
        const core = { ...fakeCore({}), info: (message: string) => void messages.push(message) };
        const outcome = await runCheckAction(core, { GITHUB_WORKSPACE: r.dir, GITHUB_EVENT_PATH: eventPath });
        expect(outcome?.failed).toBe(false);
        return messages.filter((message) => message.startsWith('Checked'));
      };
      expect(await checked({ before, after: 'x' })).toEqual([`Checked 2 changed file(s) from ${before.slice(0, 7)} to HEAD (${(await r.git('rev-parse', 'HEAD')).slice(0, 7)})`]);
      // A new branch's first push has no "before": the default branch (here main itself) is the base.
      expect(await checked({ before: '0'.repeat(40) })).toEqual([expect.stringMatching(/^Checked 0 changed file\(s\) from main \(/)]);
    } finally {
      await r.remove();
    }
  });

  it('turns a workspace that is not a repository into a failed step, not an exception', async () => {
    const plain = await mkdtemp(join(tmpdir(), 'pk-action-plain-'));
    try {
      const core = fakeCore({});
      expect(await runCheckAction(core, { GITHUB_WORKSPACE: plain })).toBeUndefined();
      expect(core.recorded.failed).toEqual([`${plain} is not inside a git repository`]);
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
  });
});

describe('action metadata', () => {
  it('declares the same inputs and outputs at the root and in actions/check', async () => {
    const { parse } = await import('yaml');
    const root = parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as Record<string, Record<string, unknown>>;
    const check = parse(await readFile(join(ROOT, 'actions', 'check', 'action.yml'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(root['inputs']).toEqual(check['inputs']);
    expect(root['outputs']).toEqual(check['outputs']);
    expect(Object.keys(root['inputs'] ?? {})).toEqual(['checks', 'config', 'fail-on', 'sarif-file', 'base', 'github-token', 'diagrams-output']);
    expect(root['runs']).toEqual({ using: 'node24', main: 'actions/check/dist/index.js' });
  });
});
