import { defineCatalogLint } from './define.js';

/**
 * Design advice: a notice.
 */
export const lint = defineCatalogLint({
  id: 'no_primary_key',
  title: 'No Primary Key',
  level: 'INFO',
  categories: ['PERFORMANCE'],
  description: 'A table has no primary key.',
  fixable: false,
});
