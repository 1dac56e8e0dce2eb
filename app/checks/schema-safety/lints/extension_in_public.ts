import { defineCatalogLint } from './define.js';

/**
 * A warning as in splinter; the fix moves relocatable extensions to the `extensions` schema.
 */
export const lint = defineCatalogLint({
  id: 'extension_in_public',
  title: 'Extension in Public',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'An extension is installed in the public schema (or another API-exposed schema).',
  fixable: true,
});
