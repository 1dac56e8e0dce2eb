import { afterEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli, type CliIo } from '../app/cli.js';
import { createTempRepo, type TempRepo } from '../scripts/lib/temp-repo.js';

const ROOT = join(import.meta.dirname, '..');

const repos: TempRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.remove()));
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], cwd = ROOT, env: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const codeLines = (n: number) => Array.from({ length: n }, (_, i) => `export const value${i} = ${i};`).join('\n') + '\n';

const COMPLETE_BUNDLE = {
  'spec/checkout/constitution.md': '# Constitution\n\n- Money in cents.\n',
  'spec/checkout/prd.md': '---\ntitle: Checkout\nstatus: draft\nowner: "@acme"\n---\n\n# Checkout\n\n## Problem\n\nToo many pages.\n\n## Goals\n\n- One page.\n',
  'spec/checkout/plan.md': '# Plan\n\n## Approach\n\nOne form.\n',
  'spec/checkout/tasks.md': '# Tasks\n\n- [ ] T001 Cart\n',
};

/** main holds `base`; the checked-out branch `feature` adds `feature` on top. */
async function repoWith(base: Record<string, string>, feature: Record<string, string>, branch = 'feature'): Promise<TempRepo> {
  const r = await createTempRepo('pk-cli-test-');
  repos.push(r);
  await r.write({ 'README.md': '# demo\n', ...base });
  await r.commit('base');
  await r.git('checkout', '--quiet', '-b', branch);
  await r.write(feature);
  await r.commit('feature');
  return r;
}

describe('platform-kit check', () => {
  it('reports an incomplete bundle with file and line, and exits 1', async () => {
    const r = await repoWith(
      {},
      {
        'spec/checkout/constitution.md': '# Constitution\n\n- x\n',
        'spec/checkout/prd.md': '---\ntitle: Checkout: one page\nstatus: draft\n---\n\n# Checkout\n',
        'spec/checkout/tasks.md': '# Tasks\n\nNo list here.\n',
      },
    );
    const run = await cli(['check', '--repo', r.dir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^spec\/checkout\/prd\.md:2:\d+: error \[spec-bundle\/invalid-frontmatter\] /m);
    expect(run.stdout).toMatch(/^spec\/checkout\/plan\.md:1:1: error \[spec-bundle\/missing-file\] /m);
    expect(run.stdout).toMatch(/^spec\/checkout\/tasks\.md:\d+:\d+: error \[spec-bundle\/missing-checklist\] /m);
  });

  it('exits 0 on a change with nothing to report, from a subfolder of the checkout', async () => {
    const r = await repoWith({ 'src/a.ts': 'export const a = 1;\n' }, { 'src/b.ts': codeLines(20) });
    const run = await cli(['check', '--base', 'main'], join(r.dir, 'src'));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const json = await cli(['check', '--format', 'json'], join(r.dir, 'src'));
    expect(JSON.parse(json.stdout)).toEqual({
      checks: [
        { id: 'spec-bundle', conclusion: 'success', summary: expect.any(String), findings: [] },
        { id: 'schema-safety', conclusion: 'success', summary: 'No migration added or changed.', findings: [] },
        { id: 'doc-sync', conclusion: 'success', summary: 'No agent instruction file changed.', findings: [] },
      ],
    });
  });

  it('prints the stable JSON shape', async () => {
    const r = await repoWith({}, { 'src/big.ts': codeLines(600) });
    const run = await cli(['check', '--repo', r.dir, '--format', 'json', '--checks', 'spec-bundle']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { checks: Array<{ id: string; conclusion: string; findings: Array<Record<string, unknown>> }> };
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ id: 'spec-bundle', conclusion: 'failure' });
    expect(report.checks[0]?.findings).toEqual([
      expect.objectContaining({ checkId: 'spec-bundle', ruleId: 'missing-link', severity: 'error', title: expect.any(String), message: expect.stringContaining('600 lines added') }),
    ]);
  });

  it('reads the PR body and labels from flags: a waiver with a reason passes with a notice', async () => {
    const r = await repoWith({}, { 'src/big.ts': codeLines(600) });
    // Untracked files do not change the compared commits.
    const body = join(r.dir, 'pr-body.md');
    await writeFile(body, 'Generated constants.\n\nNo-spec reason: generated lookup table, no behaviour change.\n');
    const waived = await cli(['check', '--repo', r.dir, '--label', 'no-spec', '--label', 'chore', '--pr-body', body, '--format', 'json']);
    expect(waived.code).toBe(0);
    const findings = (JSON.parse(waived.stdout) as { checks: Array<{ findings: Array<{ ruleId: string; severity: string }> }> }).checks[0]?.findings;
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'waived', severity: 'notice' })]);

    const unreasoned = await cli(['check', '--repo', r.dir, '--label', 'no-spec']);
    expect(unreasoned.code).toBe(1);
    expect(unreasoned.stdout).toContain('[spec-bundle/waiver-missing-reason]');
  });

  it('links a bundle through a `Spec:` line of the PR body', async () => {
    const r = await repoWith(COMPLETE_BUNDLE, { 'src/big.ts': codeLines(600) });
    await writeFile(join(r.dir, 'pr-body.md'), 'Spec: spec/checkout\n');
    expect((await cli(['check', '--repo', r.dir])).code).toBe(1);
    expect(await cli(['check', '--pr-body', 'pr-body.md'], r.dir)).toMatchObject({ code: 0, stderr: '' });
  });

  it('writes SARIF 2.1.0 with the findings as results', async () => {
    const r = await repoWith({}, { 'spec/checkout/prd.md': '---\ntitle: [unclosed\n---\n# Checkout\n' });
    const run = await cli(['check', '--repo', r.dir, '--format', 'sarif']);
    expect(run.code).toBe(1);
    const sarif = JSON.parse(run.stdout) as {
      version: string;
      runs: Array<{ tool: { driver: { name: string; version: string } }; results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }> }> }>;
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]?.tool.driver.version).toBe('0.1.0');
    const frontmatter = sarif.runs[0]?.results.find((result) => result.ruleId.endsWith('invalid-frontmatter'));
    expect(frontmatter?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('spec/checkout/prd.md');
    expect(frontmatter?.locations[0]?.physicalLocation.region?.startLine).toBe(2);
  });
});

describe('config', () => {
  it('applies the repository config (severity override) and a --config file', async () => {
    const r = await repoWith(
      { '.github/platform-kit.yml': 'checks:\n  spec-bundle:\n    rules:\n      missing-link: warning\n' },
      { 'src/big.ts': codeLines(600) },
    );
    const run = await cli(['check', '--repo', r.dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('warning [spec-bundle/missing-link]');

    await writeFile(join(r.dir, 'strict.yml'), 'checks:\n  spec-bundle:\n    significantLines: 1000\n');
    const relaxed = await cli(['check', '--config', 'strict.yml'], r.dir);
    expect(relaxed).toMatchObject({ code: 0, stderr: '' });
    expect(relaxed.stdout).not.toContain('missing-link');
  });

  it('prints each config error at its line and exits 2', async () => {
    const r = await repoWith(
      { '.github/platform-kit.yml': 'checks:\n  spec-bundle:\n    significantLines: many\n    colour: blue\n' },
      { 'src/a.ts': 'export {};\n' },
    );
    const run = await cli(['check', '--repo', r.dir]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\.github\/platform-kit\.yml:3:\d+: error \[config\] .*significantLines/),
        expect.stringMatching(/^\.github\/platform-kit\.yml:4:\d+: error \[config\] .*colour/),
      ]),
    );

    await writeFile(join(r.dir, 'broken.yml'), 'checks: [\n');
    const yaml = await cli(['check', '--repo', r.dir, '--config', join(r.dir, 'broken.yml')]);
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/^broken\.yml:\d+:\d+: error \[config\] invalid YAML/);
  });

  it('names a --config file that does not exist', async () => {
    const r = await repoWith({}, { 'a.txt': 'a\n' });
    const run = await cli(['check', '--repo', r.dir, '--config', 'nope.yml']);
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'platform-kit: config file nope.yml does not exist\n' });
  });
});

describe('usage', () => {
  it.each([
    [['check', '--format', 'xml'], 'platform-kit: --format must be one of text, json, sarif (got "xml")\n'],
    [['check', '--checks', 'spelling'], 'platform-kit: unknown check "spelling" (known: spec-bundle, schema-safety, diagrams, doc-sync)\n'],
    [['check', '--checks', ','], 'platform-kit: --checks needs at least one check id\n'],
    [['lint'], 'platform-kit: unknown command "lint" (commands: check, config, db, diagrams, docs, introspect, migrations, org-readme, remediate, rules, worker; see --help)\n'],
    [['migrations', 'check'], 'platform-kit: unknown command "migrations check" (did you mean "migrations lint"?)\n'],
    [['migrations', 'lint'], 'platform-kit: name at least one migration file (see platform-kit migrations lint --help)\n'],
    [['rules', '--format', 'sarif'], 'platform-kit: --format must be one of text, json (got "sarif")\n'],
  ])('%j → exit 2 with one line', async (argv, message) => {
    expect(await cli(argv)).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it('rejects unknown flags and stray arguments in one line', async () => {
    for (const argv of [['check', '--bogus'], ['check', 'extra'], ['check', '--repo']]) {
      const run = await cli(argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^platform-kit: .+ \(see platform-kit --help\)\n$/);
    }
  });

  it('explains refs and folders that do not work', async () => {
    const r = await repoWith({}, { 'a.txt': 'a\n' });
    expect(await cli(['check', '--repo', r.dir, '--base', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `platform-kit: base ref "nope" does not name a commit in ${r.dir}\n`,
    });
    const missingBody = await cli(['check', '--repo', r.dir, '--pr-body', 'no-such-body.md']);
    expect(missingBody).toEqual({ code: 2, stdout: '', stderr: 'platform-kit: cannot read --pr-body no-such-body.md: ENOENT\n' });
    await r.git('branch', '-m', 'main', 'trunk');
    const noBase = await cli(['check', '--repo', r.dir]);
    expect(noBase.code).toBe(2);
    expect(noBase.stderr).toContain('no base ref given');
  });

  it('prints help and the version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('platform-kit check [options]');
    expect((await cli(['check', '--help'])).stdout).toContain('--pr-body FILE');
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage:');
    expect(help.stdout).toContain('platform-kit migrations lint [options] FILE...');
    const migrationsHelp = await cli(['migrations', 'lint', '--help']);
    expect(migrationsHelp).toMatchObject({ code: 0, stderr: '' });
    expect(migrationsHelp.stdout).toContain('--pg-version N');
    // `migrations` alone is a usage error: the usage goes to stderr, as for a bare `platform-kit`.
    const noSubcommand = await cli(['migrations']);
    expect(noSubcommand).toMatchObject({ code: 2, stdout: '' });
    expect(noSubcommand.stderr).toContain('platform-kit migrations lint [options] FILE...');
  });
});

describe('platform-kit rules', () => {
  it('lists every rule with its check, default severity and docs', async () => {
    const json = await cli(['rules', '--format', 'json']);
    expect(json.code).toBe(0);
    const { rules } = JSON.parse(json.stdout) as { rules: Array<{ checkId: string; id: string; defaultSeverity: string; docsUrl: string }> };
    expect(rules).toContainEqual(
      expect.objectContaining({
        checkId: 'spec-bundle',
        id: 'missing-link',
        defaultSeverity: 'error',
        docsUrl: 'https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/missing-link.md',
      }),
    );
    const text = await cli(['rules']);
    expect(text.stdout.trim().split('\n')).toHaveLength(rules.length);
    expect(text.stdout).toMatch(/^spec-bundle\/missing-link +error +/m);
  });
});

describe('bin/platform-kit.js', () => {
  it('runs the TypeScript CLI through tsx without a build', async () => {
    const r = await repoWith({}, { 'src/big.ts': codeLines(600) });
    const run = promisify(execFile);
    const version = await run(process.execPath, [join(ROOT, 'bin', 'platform-kit.js'), '--version']);
    expect(version.stdout).toBe('0.1.0\n');
    const failing = await run(process.execPath, [join(ROOT, 'bin', 'platform-kit.js'), 'check', '--format', 'json'], { cwd: r.dir }).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect('code' in failing ? failing.code : 0).toBe(1);
    expect(failing.stdout).toContain('"ruleId": "missing-link"');
  });
});
