import { defineCatalogLint } from './define.js';

/**
 * Blocks Supabase Auth migrations, and with them security patches: an error.
 */
export const lint = defineCatalogLint({
  id: 'fkey_to_auth_unique',
  title: 'Foreign Key to Auth Unique Constraint',
  level: 'ERROR',
  categories: ['SECURITY'],
  description: 'A foreign key references a unique constraint (not the primary key) of a table in the auth schema, which blocks Supabase Auth upgrades.',
  fixable: true,
});
