import { defineCatalogLint } from './define.js';

/**
 * Splinter's WARN lowered to a notice: wasted writes and storage, no risk.
 */
export const lint = defineCatalogLint({
  id: 'duplicate_index',
  title: 'Duplicate Index',
  level: 'WARN',
  categories: ['PERFORMANCE'],
  description: 'A table has two or more identical indexes.',
  fixable: true,
  severity: 'notice',
});
