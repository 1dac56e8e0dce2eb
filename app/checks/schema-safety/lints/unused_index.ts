import { defineCatalogLint } from './define.js';

/**
 * Reads usage statistics, which a fresh shadow database does not have: only for `db lint` on a live database.
 */
export const lint = defineCatalogLint({
  id: 'unused_index',
  title: 'Unused Index',
  level: 'INFO',
  categories: ['PERFORMANCE'],
  description: 'An index has not been scanned since statistics were last reset.',
  fixable: true,
  shadowApplicable: false,
});
