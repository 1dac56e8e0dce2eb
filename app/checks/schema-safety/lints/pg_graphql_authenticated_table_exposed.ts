import { defineCatalogLint } from './define.js';

/**
 * Splinter's WARN lowered to a notice, for the same reason as pg_graphql_anon_table_exposed.
 */
export const lint = defineCatalogLint({
  id: 'pg_graphql_authenticated_table_exposed',
  title: 'Signed-In Users Can See Object in GraphQL Schema',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'With pg_graphql installed, an object authenticated can select shows its name, columns and relationships in GraphQL introspection.',
  fixable: true,
  severity: 'notice',
  requires: { anyRole: ['authenticated'] },
});
