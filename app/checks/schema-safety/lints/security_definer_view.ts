import { API_ROLES, defineCatalogLint } from './define.js';

/**
 * Bypasses the caller's RLS over the Data API: an error.
 */
export const lint = defineCatalogLint({
  id: 'security_definer_view',
  title: 'Security Definer View',
  level: 'ERROR',
  categories: ['SECURITY'],
  description: "A view in an API-exposed schema runs with its owner's privileges and RLS instead of the caller's.",
  fixable: true,
  requires: { anyRole: API_ROLES },
});
