import { API_ROLES, defineCatalogLint } from './define.js';

/**
 * A warning as in splinter.
 */
export const lint = defineCatalogLint({
  id: 'foreign_table_in_api',
  title: 'Foreign Table in API',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'A foreign table in an API-exposed schema is selectable by anon or authenticated; foreign tables have no RLS.',
  fixable: true,
  requires: { anyRole: API_ROLES },
});
