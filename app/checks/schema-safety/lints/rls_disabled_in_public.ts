import { API_ROLES, defineCatalogLint } from './define.js';

/**
 * Anyone with the anon key can read and change every row: an error. Grants are not consulted (the
 * Supabase default privileges give the API roles every new table); the roles must exist, though:
 * without them there is no Data API.
 */
export const lint = defineCatalogLint({
  id: 'rls_disabled_in_public',
  title: 'RLS Disabled in Public',
  level: 'ERROR',
  categories: ['SECURITY'],
  description: 'A table in an API-exposed schema does not have row level security enabled.',
  fixable: true,
  requires: { anyRole: API_ROLES },
});
