import { defineCatalogLint } from './define.js';

/**
 * Safe (nothing is exposed) but often unintended: a notice.
 */
export const lint = defineCatalogLint({
  id: 'rls_enabled_no_policy',
  title: 'RLS Enabled No Policy',
  level: 'INFO',
  categories: ['SECURITY'],
  description: 'A table has row level security enabled and no policy, so API roles see no rows.',
  fixable: false,
});
