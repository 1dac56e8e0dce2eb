import { poolSizeFromEnv } from './budget.js';
import { DIAGRAM_RENDERER_POOL_SERVICE } from './diagrams/index.js';
import { createRenderer } from './diagrams/renderer/index.js';
import { DEFAULT_RENDERER_POOL_SIZE, diagramRendererPool } from './diagrams/renderer/pool.js';
import { SHADOW_SERVICE } from './schema-safety/index.js';
import { createShadowDatabaseFactory } from './schema-safety/shadow/index.js';
import { createShadowDatabasePool, DEFAULT_SHADOW_POOL_SIZE } from './schema-safety/shadow/pool.js';
import type { CheckServices } from './types.js';

/** Disposers of default services not yet disposed: the App keeps its own for the process's lifetime. */
const live = new Set<() => Promise<void>>();

/**
 * The embedded defaults every driver injects: a pool of shadow databases (PGlite, or the Postgres
 * server named by SHADOW_DATABASE_URL; PLATFORM_KIT_SHADOW_POOL_SIZE at once, default 2) and of
 * diagram renderers (warm headless Chromiums, PLATFORM_KIT_RENDERER_POOL_SIZE, default 2). Nothing
 * starts until a check asks for a database or renders a page. The engine gives each check its own
 * view of both, bounded by the job budget (app/checks/budget.ts).
 */
export function defaultServices(env: Record<string, string | undefined> = process.env): { services: CheckServices; dispose(): Promise<void> } {
  const factory = createShadowDatabasePool(createShadowDatabaseFactory(), { size: poolSizeFromEnv('PLATFORM_KIT_SHADOW_POOL_SIZE', DEFAULT_SHADOW_POOL_SIZE, env) });
  const renderers = diagramRendererPool(createRenderer, { size: poolSizeFromEnv('PLATFORM_KIT_RENDERER_POOL_SIZE', DEFAULT_RENDERER_POOL_SIZE, env) });
  const dispose = async () => {
    live.delete(dispose);
    await Promise.all([factory.dispose(), renderers.close()]);
  };
  live.add(dispose);
  return { services: { [SHADOW_SERVICE]: factory, [DIAGRAM_RENDERER_POOL_SERVICE]: renderers }, dispose };
}

/**
 * Releases every default service still open in this process (the App's warm browser and shadow
 * database among them), for a graceful shutdown. The renderer pools start afresh if used again.
 */
export async function disposeDefaultServices(): Promise<void> {
  await Promise.all([...live].map((dispose) => dispose()));
}

/** Runs `task` with the default services and always releases them (a live PGlite keeps Node running). */
export async function withDefaultServices<T>(task: (services: CheckServices) => Promise<T>): Promise<T> {
  const { services, dispose } = defaultServices();
  try {
    return await task(services);
  } finally {
    await dispose();
  }
}
