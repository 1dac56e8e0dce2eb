import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { runCli } from '../app/cli.js';
import { decodeDiagram } from '../app/checks/diagrams/decode.js';
import { describeWithChromium, withOnePixelChanged } from './helpers/diagrams.js';
import { graphModel, mxfile, serviceModel } from './helpers/diagrams-fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'diagrams-cli-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd: dir, env: { ...process.env } });
  return { code, stdout, stderr };
}

const write = (path: string, content: string | Buffer) => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), content);
};
const source = (label = 'API gateway') => mxfile([{ id: 'services', name: 'Services', model: serviceModel(label) }]);

it('explains usage errors on one line with exit code 2', async () => {
  expect(await cli('diagrams', 'draw')).toMatchObject({ code: 2, stderr: 'platform-kit: unknown command "diagrams draw" (commands: render, check)\n' });
  expect(await cli('diagrams', 'check')).toMatchObject({ code: 2, stderr: 'platform-kit: name at least one diagram file (see platform-kit diagrams --help)\n' });
  expect(await cli('diagrams', 'check', '--tolerance', '-1', 'a.drawio')).toMatchObject({ code: 2 });
  expect((await cli('diagrams', 'check', 'missing.drawio')).stderr).toBe('platform-kit: cannot read missing.drawio: no such file\n');
  expect((await cli('diagrams', '--help')).stdout).toContain('platform-kit diagrams render [options] FILE...');
});

it('says clearly when the desktop renderer is not installed', async () => {
  write('a.drawio', source());
  const result = await cli('diagrams', 'render', '--renderer', 'drawio-desktop', 'a.drawio');
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/draw\.io desktop CLI "drawio" is not installed/);
});

describeWithChromium('platform-kit diagrams with the bundled renderer', () => {
  it('renders every page, next to the source or into --out', async () => {
    const flow = graphModel([{ id: 'a', label: 'A', x: 0, y: 0 }]);
    write('docs/arch.drawio', mxfile([{ id: 's', name: 'Services', model: serviceModel() }, { id: 'f', name: 'Flow', model: flow }]));
    const result = await cli('diagrams', 'render', 'docs/arch.drawio');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^docs\/arch-1\.png \(\d+×\d+\)\ndocs\/arch-2\.png \(\d+×\d+\)\n$/);
    const out = await cli('diagrams', 'render', '--out', 'img', '--page-names', 'name', 'docs/arch.drawio');
    expect(out.code).toBe(0);
    expect(existsSync(join(dir, 'img/arch-services.png'))).toBe(true);
    expect(readFileSync(join(dir, 'img/arch-flow.png')).equals(readFileSync(join(dir, 'docs/arch-2.png')))).toBe(true);
  });

  it('checks, then --update rewrites only exports whose pixels changed', async () => {
    write('docs/arch.drawio', source());
    write('docs/other.drawio', source('Other'));
    expect((await cli('diagrams', 'render', 'docs/arch.drawio', 'docs/other.drawio')).code).toBe(0);
    expect(await cli('diagrams', 'check', 'docs/arch.drawio', 'docs/other.drawio')).toMatchObject({ code: 0 });

    write('docs/arch.drawio', source('API gateway v2'));
    const otherBefore = statSync(join(dir, 'docs/other.png')).mtimeMs;
    const failed = await cli('diagrams', 'check', '--artifacts', 'out', 'docs/arch.drawio', 'docs/other.drawio');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('export-outdated');
    expect(existsSync(join(dir, 'out/docs__arch.diff.png'))).toBe(true);

    const updated = await cli('diagrams', 'check', '--update', 'docs/arch.drawio', 'docs/other.drawio');
    expect(updated.code).toBe(0);
    expect(updated.stderr).toBe('platform-kit: updated docs/arch.png\n');
    expect(statSync(join(dir, 'docs/other.png')).mtimeMs).toBe(otherBefore);
    expect((await cli('diagrams', 'check', 'docs/arch.drawio')).code).toBe(0);
  });

  it('--update writes a missing export and repairs a .drawio.png, keeping its embedded source', async () => {
    write('docs/new.drawio', source());
    expect((await cli('diagrams', 'check', 'docs/new.drawio')).stdout).toContain('export-missing');
    expect((await cli('diagrams', 'check', '--update', 'docs/new.drawio')).code).toBe(0);
    expect(existsSync(join(dir, 'docs/new.png'))).toBe(true);

    expect((await cli('diagrams', 'render', 'docs/new.drawio')).code).toBe(0);
    const png = readFileSync(join(dir, 'docs/new.png'));
    const { embedMxfile } = await import('../app/checks/diagrams/png-chunks.js');
    write('docs/self.drawio.png', embedMxfile(withOnePixelChanged(png, 2, 2), source()));
    expect((await cli('diagrams', 'check', 'docs/self.drawio.png')).code).toBe(1);
    expect((await cli('diagrams', 'check', '--update', 'docs/self.drawio.png')).code).toBe(0);
    expect((await cli('diagrams', 'check', 'docs/self.drawio.png')).code).toBe(0);
    expect(decodeDiagram('self.drawio.png', readFileSync(join(dir, 'docs/self.drawio.png'))).pages[0]?.name).toBe('Services');
  });

  it('reports an invalid source with its line and exit code 1', async () => {
    write('bad.drawio', '<mxfile>\n<diagram>\n</mxfile>\n');
    const result = await cli('diagrams', 'check', 'bad.drawio');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('bad.drawio:3');
    expect(result.stdout).toContain('source-invalid');
  });
});
