import { defineCatalogLint } from './define.js';

/**
 * Splinter's WARN lowered to a notice: Supabase grants anon SELECT on every new table in public by default, so
 * this fires for every table; RLS still guards the rows.
 */
export const lint = defineCatalogLint({
  id: 'pg_graphql_anon_table_exposed',
  title: 'pg_graphql Anon Role Exposes Tables in Introspection',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'With pg_graphql installed, a table anon can select shows its name, columns and relationships in public GraphQL introspection.',
  fixable: true,
  severity: 'notice',
  requires: { anyRole: ['anon'] },
});
