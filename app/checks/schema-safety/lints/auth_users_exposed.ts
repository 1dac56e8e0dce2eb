import { API_ROLES, defineCatalogLint } from './define.js';

/**
 * Opens user records to the Data API: an error.
 */
export const lint = defineCatalogLint({
  id: 'auth_users_exposed',
  title: 'Exposed Auth Users',
  level: 'ERROR',
  categories: ['SECURITY'],
  description: 'A view or materialized view in an API-exposed schema reads auth.users and is selectable by anon or authenticated.',
  fixable: true,
  requires: { anyRole: API_ROLES, relations: ['auth.users'] },
});
