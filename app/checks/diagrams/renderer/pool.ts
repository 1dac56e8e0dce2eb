import { BudgetExceededError, Slots, throwIfOverBudget, type JobScope, type JobScopedService } from '../../budget.js';
import { createRenderer, type RendererSettings } from './index.js';
import type { DiagramRenderer, RenderedPage, RenderPageOptions } from './types.js';

export const DEFAULT_RENDERER_POOL_SIZE = 2;

/**
 * Warm renderers shared by every check run of a process, at most `size` of them (each is a headless
 * Chromium). A page is rendered on a free renderer of its setting (repositories may configure
 * another Chromium, timeout or the desktop CLI); when all are busy it waits, and an idle renderer
 * of another setting is closed to make room. Renderers start on their first page, so a process
 * that never checks a diagram never starts a browser. Within a job (JobScopedService), a renderer
 * whose page outlives the job's time budget or whose page heap passes its memory budget is stopped
 * and dropped: the next page starts a fresh one.
 */
export interface DiagramRendererPool extends JobScopedService {
  readonly size: number;
  /** Renderers started and not closed. */
  readonly open: number;
  get(settings: RendererSettings): DiagramRenderer;
  /** Closes every renderer; a later `get` starts afresh. */
  close(): Promise<void>;
}

interface Instance {
  key: string;
  renderer: DiagramRenderer;
  busy: boolean;
}

function keyOf(settings: RendererSettings): string {
  return JSON.stringify([settings.renderer, settings.chromiumPath ?? null, settings.drawioCommand ?? null, settings.timeoutMs]);
}

export function diagramRendererPool(
  create: (settings: RendererSettings) => DiagramRenderer = createRenderer,
  options: { size?: number } = {},
): DiagramRendererPool {
  const size = options.size ?? DEFAULT_RENDERER_POOL_SIZE;
  // One slot per page being rendered: at most `size` renderers work at once.
  const slots = new Slots(size);
  let instances: Instance[] = [];

  /** A free renderer for the setting (the caller holds a slot, so one is free or can be made). */
  async function take(settings: RendererSettings): Promise<Instance> {
    const key = keyOf(settings);
    const idle = instances.find((instance) => !instance.busy && instance.key === key);
    if (idle) {
      idle.busy = true;
      return idle;
    }
    if (instances.length >= size) {
      const evicted = instances.find((instance) => !instance.busy);
      if (evicted) {
        instances = instances.filter((instance) => instance !== evicted);
        await evicted.renderer.close().catch(() => undefined);
      }
    }
    const instance: Instance = { key, renderer: create(settings), busy: true };
    instances.push(instance);
    return instance;
  }

  function drop(instance: Instance): void {
    instances = instances.filter((candidate) => candidate !== instance);
    const stop = instance.renderer.abort ?? instance.renderer.close;
    void stop.call(instance.renderer).catch(() => undefined);
  }

  async function renderOn(settings: RendererSettings, page: PageRequest, scope: JobScope | undefined, onLease: (instance: Instance | null) => void): Promise<RenderedPage> {
    await slots.acquire(scope?.signal);
    let instance: Instance | undefined;
    try {
      if (scope) throwIfOverBudget(scope.signal);
      instance = await take(settings);
      onLease(instance);
      const rendered = await instance.renderer.renderPage(page.mxfile, page.pageIndex, page.label, page.options);
      if (scope) checkMemory(instance, scope, page);
      return rendered;
    } catch (error) {
      if (instance && scope?.signal.aborted) drop(instance);
      throw error;
    } finally {
      onLease(null);
      if (instance && instances.includes(instance)) instance.busy = false;
      slots.release();
    }
  }

  function checkMemory(instance: Instance, scope: JobScope, page: PageRequest): void {
    const used = instance.renderer.memoryBytes;
    if (used === undefined || used <= scope.budget.memoryMb * 1024 * 1024) return;
    drop(instance);
    const error = new BudgetExceededError(
      'memory',
      scope.budget.memoryMb,
      `rendering ${page.label} page ${page.pageIndex + 1} used ${Math.round(used / (1024 * 1024))} MB of browser heap, over the memory budget of ${scope.budget.memoryMb} MB`,
    );
    scope.exceed(error);
    throw error;
  }

  function facade(settings: RendererSettings, scope?: JobScope, onLease: (instance: Instance | null) => void = () => undefined): DiagramRenderer {
    let name: string = settings.renderer;
    return {
      get name() {
        return name;
      },
      async renderPage(mxfile, pageIndex, label, pageOptions) {
        return renderOn(settings, { mxfile, pageIndex, label, ...(pageOptions ? { options: pageOptions } : {}) }, scope, (instance) => {
          if (instance) name = instance.renderer.name;
          onLease(instance);
        });
      },
      // The pool owns its renderers' lifetime.
      close: async () => undefined,
    };
  }

  return {
    size,
    get open() {
      return instances.length;
    },
    get: (settings) => facade(settings),
    async close() {
      const open = instances;
      instances = [];
      await Promise.all(open.map((instance) => instance.renderer.close()));
    },
    forJob(scope) {
      const leased = new Set<Instance>();
      const onAbort = () => {
        for (const instance of leased) drop(instance);
      };
      scope.signal.addEventListener('abort', onAbort, { once: true });
      const track = (current: { instance: Instance | null }) => (instance: Instance | null) => {
        if (current.instance) leased.delete(current.instance);
        current.instance = instance;
        if (instance) leased.add(instance);
      };
      const service = {
        get: (settings: RendererSettings) => facade(settings, scope, track({ instance: null })),
        close: async () => undefined,
      };
      return {
        service,
        async release() {
          scope.signal.removeEventListener('abort', onAbort);
          // A page still rendering when the job ended belongs to nobody now.
          for (const instance of leased) drop(instance);
          leased.clear();
        },
      };
    },
  };
}

interface PageRequest {
  mxfile: string;
  pageIndex: number;
  label: string;
  options?: RenderPageOptions;
}
