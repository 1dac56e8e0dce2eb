import { API_ROLES, defineCatalogLint } from './define.js';

/**
 * A warning as in splinter.
 */
export const lint = defineCatalogLint({
  id: 'materialized_view_in_api',
  title: 'Materialized View in API',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'A materialized view in an API-exposed schema is selectable by anon or authenticated; materialized views have no RLS.',
  fixable: true,
  requires: { anyRole: API_ROLES },
});
