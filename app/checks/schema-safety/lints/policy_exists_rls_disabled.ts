import { defineCatalogLint } from './define.js';

/**
 * A notice as in splinter; in an exposed schema rls_disabled_in_public reports the same table as an error.
 */
export const lint = defineCatalogLint({
  id: 'policy_exists_rls_disabled',
  title: 'Policy Exists RLS Disabled',
  level: 'INFO',
  categories: ['SECURITY'],
  description: 'A table has row level security policies but RLS is disabled, so none of them is enforced.',
  fixable: true,
});
