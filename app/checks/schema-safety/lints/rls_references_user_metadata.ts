import { defineCatalogLint } from './define.js';

/**
 * Users can grant themselves access: an error.
 */
export const lint = defineCatalogLint({
  id: 'rls_references_user_metadata',
  title: 'RLS references user metadata',
  level: 'ERROR',
  categories: ['SECURITY'],
  description: 'A row level security policy reads Supabase Auth user_metadata, which users can edit themselves.',
  fixable: false,
});
