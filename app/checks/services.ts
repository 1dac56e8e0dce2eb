import { SHADOW_SERVICE } from './schema-safety/index.js';
import { createShadowDatabaseFactory } from './schema-safety/shadow/index.js';
import type { CheckServices } from './types.js';

/**
 * The embedded defaults every driver injects: a shadow database factory (PGlite, or the Postgres
 * server named by SHADOW_DATABASE_URL). Nothing starts until a check asks for a database.
 */
export function defaultServices(): { services: CheckServices; dispose(): Promise<void> } {
  const factory = createShadowDatabaseFactory();
  return { services: { [SHADOW_SERVICE]: factory }, dispose: () => factory.dispose() };
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
