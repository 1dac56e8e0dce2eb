import { defineCatalogLint } from './define.js';

/**
 * A warning: sometimes intended (a public insert form), then waived by cache key.
 */
export const lint = defineCatalogLint({
  id: 'rls_policy_always_true',
  title: 'RLS Policy Always True',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'A permissive row level security policy for PUBLIC, anon or authenticated lets every row through for INSERT, UPDATE or DELETE.',
  fixable: false,
});
