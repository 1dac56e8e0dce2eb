import { API_ROLES, defineCatalogLint } from './define.js';

/**
 * Anyone with the anon key can read and change the queue: an error.
 */
export const lint = defineCatalogLint({
  id: 'insecure_queue_exposed_in_api',
  title: 'Insecure Queue Exposed in API',
  level: 'ERROR',
  categories: ['SECURITY'],
  description: 'A Supabase Queues (pgmq) table is exposed through the pgmq_public API schema without row level security.',
  fixable: true,
  requires: { anyRole: API_ROLES },
});
