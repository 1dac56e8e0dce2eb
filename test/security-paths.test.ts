import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { PNG } from 'pngjs';
import { directoryArtifactSink } from '../app/checks/diagrams/artifacts.js';
import { DIAGRAM_ARTIFACTS_SERVICE, DIAGRAM_RENDERER_SERVICE } from '../app/checks/diagrams/index.js';
import type { DiagramRenderer } from '../app/checks/diagrams/renderer/types.js';
import { runChecks } from '../app/checks/engine.js';
import { loadConfigFile } from '../app/config/load.js';
import type { PlatformKitConfig } from '../app/config/schema.js';
import { loadLocalChangeSet, readBlobBytes } from '../app/git/local-changeset.js';
import { runLocalChecks, UsageError } from '../app/git/run-local-checks.js';
import { runCli } from '../app/cli.js';
import { isSafeRelativePath, resolveInside, safeRelativePath, UnsafePathError } from '../app/util/safe-path.js';
import { createTempRepo, type TempRepo } from '../scripts/lib/temp-repo.js';
import { mxfile, serviceModel } from './helpers/diagrams-fixtures.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';

/**
 * Paths from a pull request never reach the local file system outside the folder meant for them:
 * the shared helper, the diagram images written for a PR, and the checkout the Action reads.
 */

let sandbox: string;
/** A file outside every folder under test, standing for /etc/passwd. */
let secretFile: string;
const SECRET = 'root:x:0:0:SECRET-CONTENT-THAT-MUST-NOT-LEAK';

beforeEach(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'platform-kit-security-'));
  secretFile = join(sandbox, 'passwd');
  await writeFile(secretFile, SECRET);
});

afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => !entry.isDirectory()).map((entry) => relative(dir, join(entry.parentPath, entry.name))).sort();
}

describe('safeRelativePath', () => {
  it('keeps clean repository paths, tidied', () => {
    expect(safeRelativePath('docs/arch.png')).toBe('docs/arch.png');
    expect(safeRelativePath('./docs//img/./arch.png')).toBe('docs/img/arch.png');
    expect(isSafeRelativePath('a..b/c..png')).toBe(true);
  });

  it.each([
    ['../../escape.drawio', 'it contains a ".." segment'],
    ['docs/../../x', 'it contains a ".." segment'],
    ['docs\\..\\..\\x', 'it contains a ".." segment'],
    ['..', 'it contains a ".." segment'],
    ['/etc/passwd', 'it is absolute'],
    ['\\\\server\\share', 'it is absolute'],
    ['C:\\Windows\\win.ini', 'it is absolute'],
    ['docs/a\0.png', 'it contains a NUL byte'],
    ['', 'it is empty'],
    ['./', 'it names no file'],
  ])('refuses %j: %s', (path, reason) => {
    expect(() => safeRelativePath(path)).toThrow(new UnsafePathError(path, reason));
    expect(() => safeRelativePath(path)).toThrow(`refused path ${JSON.stringify(path)}`);
    expect(isSafeRelativePath(path)).toBe(false);
  });
});

describe('resolveInside', () => {
  let root: string;
  beforeEach(async () => {
    root = join(sandbox, 'root');
    await mkdir(join(root, 'docs'), { recursive: true });
  });

  it('gives the path under the root, for files that exist and files still to be written', async () => {
    await writeFile(join(root, 'docs', 'a.md'), 'a');
    expect(await resolveInside(root, 'docs/a.md')).toBe(join(root, 'docs', 'a.md'));
    expect(await resolveInside(root, 'new/folder/b.png')).toBe(join(root, 'new', 'folder', 'b.png'));
  });

  it('follows links that stay inside the root', async () => {
    await writeFile(join(root, 'docs', 'AGENTS.md'), '# Agents');
    await symlink('docs/AGENTS.md', join(root, 'CLAUDE.md'));
    await symlink('docs', join(root, 'handbook'));
    expect(await resolveInside(root, 'CLAUDE.md')).toBe(join(root, 'CLAUDE.md'));
    expect(await resolveInside(root, 'handbook/new.png')).toBe(join(root, 'handbook', 'new.png'));
  });

  it('refuses a file that is a link to a file outside (a symlink to /etc/passwd)', async () => {
    await symlink(secretFile, join(root, 'docs', 'passwd.drawio'));
    await expect(resolveInside(root, 'docs/passwd.drawio')).rejects.toThrow(new UnsafePathError('docs/passwd.drawio', `it leads outside ${root} through a symbolic link`));
  });

  it('refuses a path through a linked folder that leaves the root, even for a file not there yet', async () => {
    await symlink(sandbox, join(root, 'out'));
    await expect(resolveInside(root, 'out/escape.png')).rejects.toThrow(UnsafePathError);
    await expect(resolveInside(root, 'out/deeper/escape.png')).rejects.toThrow('through a symbolic link');
  });

  it('refuses a link to nothing: a write through it would create the file wherever it points', async () => {
    await symlink(join(sandbox, 'created-by-write'), join(root, 'dangling.png'));
    await expect(resolveInside(root, 'dangling.png')).rejects.toThrow('a symbolic link to nothing');
  });

  it('refuses escapes spelt in the path itself before touching the disk', async () => {
    await expect(resolveInside(root, '../passwd')).rejects.toThrow('it contains a ".." segment');
    await expect(resolveInside(root, secretFile)).rejects.toThrow('it is absolute');
  });

  it('with followLast: false, leaves a link at the path itself to the caller, but not a linked folder on the way', async () => {
    await symlink(secretFile, join(root, 'AGENTS.md'));
    await symlink(sandbox, join(root, 'out'));
    expect(await resolveInside(root, 'AGENTS.md', { followLast: false })).toBe(join(root, 'AGENTS.md'));
    await expect(resolveInside(root, 'out/passwd', { followLast: false })).rejects.toThrow('through a symbolic link');
  });
});

describe('diagram images written for a pull request', () => {
  const png = (red: number) => {
    const image = new PNG({ width: 4, height: 4 });
    for (let offset = 0; offset < image.data.length; offset += 4) image.data.set([red, 0, 0, 255], offset);
    return PNG.sync.write(image);
  };
  const renderer: DiagramRenderer = {
    name: 'stub',
    renderPage: async () => ({ png: png(200), width: 4, height: 4, blockedRequests: [] }),
    close: async () => undefined,
  };
  const diagramsConfig = (extra: string): PlatformKitConfig => {
    const loaded = loadConfigFile(`checks:\n  diagrams:\n    enabled: true\n${extra}`, '.github/platform-kit.yml');
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    return loaded.config;
  };

  it('stay inside the images folder when the PR names exports like ../../escape.png', async () => {
    const images = join(sandbox, 'work', 'images');
    const source = mxfile([{ id: 'p', name: 'Page', model: serviceModel() }]);
    const changed = mxfile([{ id: 'p', name: 'Page', model: serviceModel('Changed') }]);
    // Paths a pull request controls: the changed files' names, and the export folder in its config.
    const head = {
      '../../escape.drawio': changed,
      'docs/../../x.drawio': changed,
      '../../escape.png': png(10),
      'docs/../../x.png': png(10),
      'docs/arch.drawio': changed,
      '../../outside/arch.png': png(10),
    };
    const changeSet = memoryChangeSet({ base: { 'docs/arch.drawio': source, '../../outside/arch.png': png(10) }, head });
    const results = await runChecks({
      changeSet,
      config: diagramsConfig('    sources: ["**/*.drawio", "../**/*.drawio", "docs/../**/*.drawio"]\n    outputDir: ../../outside\n'),
      services: { [DIAGRAM_RENDERER_SERVICE]: renderer, [DIAGRAM_ARTIFACTS_SERVICE]: directoryArtifactSink(images) },
    });
    const findings = results.flatMap((result) => result.findings);
    const outdated = findings.filter((finding) => finding.ruleId === 'export-outdated');
    // The export from the config's ../../outside folder was compared, so its images were written.
    expect(outdated.map((finding) => finding.path)).toContain('../../outside/arch.png');

    const written = findings.flatMap((finding) => finding.artifacts ?? []).map((artifact) => artifact.path);
    expect(written.length).toBeGreaterThanOrEqual(3);
    for (const path of written) expect(dirname(path)).toBe(images);
    expect(await filesUnder(images)).toEqual(written.map((path) => relative(images, path)).sort());
    // Nothing next to or above the images folder: only the secret planted by the test is there.
    expect(await filesUnder(sandbox)).toEqual([...written.map((path) => relative(sandbox, path)), 'passwd'].sort());
    for (const escape of ['../../escape.png', '../../outside/arch.png', 'docs/../../x.png']) {
      expect(existsSync(join(images, escape))).toBe(false);
      expect(existsSync(join(images, escape.replace(/\.png$/, '.after.png')))).toBe(false);
    }
  });

  it('are not written through a link planted in the images folder', async () => {
    const images = join(sandbox, 'images');
    await mkdir(images);
    await symlink(secretFile, join(images, 'docs__arch.after.png'));
    const sink = directoryArtifactSink(images);
    await expect(sink.write('docs__arch.after.png', png(1))).rejects.toThrow(UnsafePathError);
    await expect(sink.write('../escape.png', png(1))).rejects.toThrow('it contains a ".." segment');
    expect(await readFile(secretFile, 'utf8')).toBe(SECRET);
    expect(existsSync(join(sandbox, 'escape.png'))).toBe(false);
  });
});

describe('the checkout the Action and the CLI read', () => {
  let repo: TempRepo;
  beforeEach(async () => {
    repo = await createTempRepo('platform-kit-security-repo-');
    await repo.write({ 'README.md': '# Repo\n' });
    await repo.commit('base');
    await repo.git('branch', 'base');
  });
  afterEach(async () => {
    await repo.remove();
  });

  it('refuses a config file that is a symlink leading outside the checkout, without reading it', async () => {
    await mkdir(join(repo.dir, '.github'));
    await symlink(secretFile, join(repo.dir, '.github', 'platform-kit.yml'));
    await repo.commit('config is a link');
    const run = runLocalChecks({ repoDir: repo.dir, base: 'base' });
    await expect(run).rejects.toThrow(UsageError);
    await expect(runLocalChecks({ repoDir: repo.dir, base: 'base' })).rejects.toThrow(
      /^\.github\/platform-kit\.yml is not read: refused path "\.github\/platform-kit\.yml": it leads outside .* through a symbolic link$/,
    );
    await expect(runLocalChecks({ repoDir: repo.dir, base: 'base' })).rejects.not.toThrow('SECRET-CONTENT');
  });

  it('reads a config file linked inside the checkout as before', async () => {
    await repo.write({ 'config/platform-kit.yml': 'checks:\n  doc-sync:\n    enabled: false\n' });
    await mkdir(join(repo.dir, '.github'));
    await symlink('../config/platform-kit.yml', join(repo.dir, '.github', 'platform-kit.yml'));
    await repo.commit('config is a link inside');
    const outcome = await runLocalChecks({ repoDir: repo.dir, base: 'base' });
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.configErrors));
    expect(outcome.configFile).toBe('.github/platform-kit.yml');
    expect(outcome.results.map((result) => result.checkId)).toEqual(['spec-bundle', 'schema-safety']);
  });

  it('runs the renderer a fork pull request\'s config names only when the driver trusts the config', async () => {
    const marker = join(sandbox, 'ran');
    const script = join(sandbox, 'drawio.sh');
    await writeFile(script, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
    await chmod(script, 0o755);
    await repo.write({
      '.github/platform-kit.yml': `checks:\n  diagrams:\n    enabled: true\n    renderer: drawio-desktop\n    drawioCommand: ${script}\n`,
      'docs/arch.drawio': mxfile([{ id: 'services', name: 'Services', model: serviceModel() }]),
      // An export to compare with: the renderer runs only then.
      'docs/arch.png': 'not a png',
    });
    await repo.commit('a diagram and a renderer of its own');
    const untrusted = await runLocalChecks({ repoDir: repo.dir, base: 'base', checks: ['diagrams'], trustConfigPrograms: false });
    if (!untrusted.ok) throw new Error(JSON.stringify(untrusted.configErrors));
    expect(existsSync(marker)).toBe(false);
    expect(untrusted.warnings.join('\n')).toContain(`chromiumPath and drawioCommand are ignored here: only the renderer installed on this host runs (drawioCommand: ${script})`);

    const trusted = await runLocalChecks({ repoDir: repo.dir, base: 'base', checks: ['diagrams'] });
    if (!trusted.ok) throw new Error(JSON.stringify(trusted.configErrors));
    expect(existsSync(marker)).toBe(true);
  });

  it('reads changed files from the commit, never through links or ../ paths to the file system', async () => {
    await symlink(secretFile, join(repo.dir, 'passwd.drawio'));
    await repo.write({ 'docs/AGENTS.md': '# Agents\n' });
    await repo.commit('a link to a file outside');
    const changeSet = await loadLocalChangeSet({ repoDir: repo.dir, base: 'base' });
    expect(changeSet.files.map((file) => file.path).sort()).toEqual(['docs/AGENTS.md', 'passwd.drawio']);
    // A symlink is its link text in git: the content outside is never read.
    expect(await changeSet.readFile('head', 'passwd.drawio')).toEqual({ kind: 'text', text: secretFile });
    expect(await changeSet.readBytes?.('head', 'passwd.drawio')).toBeNull();
    const outside = relative(repo.dir, secretFile);
    for (const path of [outside, `docs/${outside}`, secretFile, `docs/AGENTS.md\0`]) {
      expect(await changeSet.readFile('head', path)).toEqual({ kind: 'missing' });
      expect(await changeSet.readBytes?.('head', path)).toBeNull();
      expect(await readBlobBytes(repo.dir, 'HEAD', path)).toBeNull();
    }
    // Spelt with ./ it is still the file in the commit.
    expect(await changeSet.readFile('head', './docs//AGENTS.md')).toEqual({ kind: 'text', text: '# Agents\n' });
  });
});

describe('platform-kit docs on a checkout whose config names files through a linked folder', () => {
  it('reports the linked folder as leading outside, and never reads what is there', async () => {
    const root = join(sandbox, 'checkout');
    const outside = join(sandbox, 'outside');
    await mkdir(join(root, '.github'), { recursive: true });
    await mkdir(outside);
    const agents = '# Agents\n\n## Build\n\nRun npm test.\n';
    await writeFile(join(root, 'AGENTS.md'), agents);
    await writeFile(join(outside, 'CLAUDE.md'), `# Agents\n\n## ${SECRET}\n\nRun npm test.\n`);
    await symlink(outside, join(root, 'docs'));
    await writeFile(join(root, '.github', 'platform-kit.yml'), 'checks:\n  doc-sync:\n    files: [AGENTS.md, docs/CLAUDE.md, ../outside/CLAUDE.md]\n');
    let stdout = '';
    const code = await runCli(['docs', 'drift', '--format', 'json'], { stdout: (text) => void (stdout += text), stderr: () => undefined, cwd: root, env: {} });
    expect(stdout).not.toContain('SECRET-CONTENT');
    const report = JSON.parse(stdout) as { files: Array<{ path: string; status: string }> };
    expect(report.files.map((file) => [file.path, file.status])).toEqual([
      ['AGENTS.md', 'canonical'],
      ['docs/CLAUDE.md', 'outside-link'],
    ]);
    expect(code).toBe(0);
  });
});
