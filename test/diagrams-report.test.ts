import { expect, it } from '@jest/globals';
import { DIAGRAM_RENDERER_POOL_SERVICE } from '../app/checks/diagrams/index.js';
import { diagramRendererPool } from '../app/checks/diagrams/renderer/pool.js';
import { RendererUnavailableError, type DiagramRenderer } from '../app/checks/diagrams/renderer/types.js';
import { runChecks } from '../app/checks/engine.js';
import { defaultServices } from '../app/checks/services.js';
import type { CheckResult, Finding } from '../app/checks/types.js';
import { defaultConfig, type PlatformKitConfig } from '../app/config/schema.js';
import { checkRunOutput, formatText, renderComment, renderJobSummary } from '../app/report/index.js';
import { mxfile, serviceModel } from './helpers/diagrams-fixtures.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';

const source = mxfile([{ id: 'services', name: 'Services', model: serviceModel() }]);

function finding(paths: { before: string; after: string; diff: string }): Finding {
  return {
    checkId: 'diagrams',
    ruleId: 'export-outdated',
    severity: 'error',
    path: 'docs/arch.png',
    title: 'Diagram export is out of date',
    message: 'docs/arch.png does not match docs/arch.drawio.',
    artifacts: (['before', 'after', 'diff'] as const).map((kind) => ({ kind, path: paths[kind], contentType: 'image/png' })),
  };
}

const local = finding({ before: '/tmp/pk/docs__arch.before.png', after: '/tmp/pk/docs__arch.after.png', diff: '/tmp/pk/docs__arch.diff.png' });
const uploaded = finding({ before: 'https://img.example/b.png', after: 'https://img.example/a.png', diff: 'https://img.example/d.png' });
const result = (found: Finding): CheckResult => ({ checkId: 'diagrams', title: 'Diagrams', conclusion: 'failure', summary: '1 diagram checked.', findings: [found] });

it('the text report lists each image under its finding', () => {
  expect(formatText([result(local)])).toBe(
    [
      'docs/arch.png:1:1: error [diagrams/export-outdated] docs/arch.png does not match docs/arch.drawio.',
      '  before image: /tmp/pk/docs__arch.before.png',
      '  after image: /tmp/pk/docs__arch.after.png',
      '  diff image: /tmp/pk/docs__arch.diff.png',
      '',
      'diagrams: failure — 1 diagram checked.',
      '',
      '1 problem (1 error) in 1 check.',
      '',
    ].join('\n'),
  );
});

it('the sticky comment and the check run name local images and show uploaded ones', () => {
  const comment = renderComment([result(local)], { headSha: 'abc' });
  expect(comment).toContain('Images (files where the check ran): before `/tmp/pk/docs__arch.before.png` · after `/tmp/pk/docs__arch.after.png` · diff `/tmp/pk/docs__arch.diff.png`');
  expect(comment).not.toContain('![');
  const linked = renderComment([result(uploaded)], { headSha: 'abc' });
  expect(linked).toContain('Images: [before](https://img.example/b.png) · [after](https://img.example/a.png) · [diff](https://img.example/d.png)');
  expect(linked).toContain('![diff of docs/arch.png](https://img.example/d.png)');
  const output = checkRunOutput(result(uploaded));
  expect(`${output.summary}\n${output.text ?? ''}`).toContain('![diff of docs/arch.png](https://img.example/d.png)');
});

it('the job summary puts the images in the finding row', () => {
  const summary = renderJobSummary([result(local)], { error: 0, warning: 0, notice: 0 }, { heading: 'Platform Kit', budgetBytes: 100_000 });
  const row = summary.split('\n').find((line) => line.startsWith('| `docs/arch.png`'));
  expect(row).toContain('<br>Images: before `/tmp/pk/docs__arch.before.png` · after `/tmp/pk/docs__arch.after.png` · diff `/tmp/pk/docs__arch.diff.png` |');
});

function countingRenderer(log: string[], name: string): DiagramRenderer {
  return {
    name,
    async renderPage() {
      log.push(`render ${name}`);
      throw new RendererUnavailableError('no browser in this test');
    },
    async close() {
      log.push(`close ${name}`);
    },
  };
}

it('the renderer pool creates nothing until a diagram is checked, then reuses one renderer per setting and closes them', async () => {
  const log: string[] = [];
  const pool = diagramRendererPool((settings) => {
    log.push(`create ${settings.timeoutMs}`);
    return countingRenderer(log, String(settings.timeoutMs));
  });
  const config = (timeoutMs: number): PlatformKitConfig => ({
    ...defaultConfig,
    checks: { ...defaultConfig.checks, diagrams: { ...defaultConfig.checks.diagrams, enabled: true, timeoutMs } },
  });
  const services = { [DIAGRAM_RENDERER_POOL_SERVICE]: pool };
  const noDiagram = memoryChangeSet({ base: { 'a.md': 'a\n' }, head: { 'a.md': 'b\n' } });
  await runChecks({ changeSet: noDiagram, config: config(30_000), only: ['diagrams'], services });
  expect(log).toEqual([]);

  const withDiagram = memoryChangeSet({ base: {}, head: { 'docs/arch.drawio': source, 'docs/arch.png': new Uint8Array([1]) } });
  await runChecks({ changeSet: withDiagram, config: config(30_000), only: ['diagrams'], services });
  await runChecks({ changeSet: withDiagram, config: config(30_000), only: ['diagrams'], services });
  await runChecks({ changeSet: withDiagram, config: config(5_000), only: ['diagrams'], services });
  expect(log).toEqual(['create 30000', 'render 30000', 'render 30000', 'create 5000', 'render 5000']);
  await pool.close();
  expect(log.slice(-2).sort()).toEqual(['close 30000', 'close 5000']);
});

it('the default services carry a renderer pool and dispose of it', async () => {
  const { services, dispose } = defaultServices();
  expect(typeof (services[DIAGRAM_RENDERER_POOL_SERVICE] as { get?: unknown }).get).toBe('function');
  await dispose();
});
