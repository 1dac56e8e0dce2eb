import { defineCatalogLint } from './define.js';

/**
 * Reads planner statistics of a database with a history: only for `db lint` on a live database.
 */
export const lint = defineCatalogLint({
  id: 'table_bloat',
  title: 'Table Bloat',
  level: 'INFO',
  categories: ['PERFORMANCE'],
  description: 'A table takes at least twice the space its live rows need.',
  fixable: false,
  shadowApplicable: false,
});
