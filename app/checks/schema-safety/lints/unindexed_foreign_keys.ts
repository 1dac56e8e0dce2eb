import { defineCatalogLint } from './define.js';

/**
 * Performance advice: a notice, like splinter's INFO.
 */
export const lint = defineCatalogLint({
  id: 'unindexed_foreign_keys',
  title: 'Unindexed foreign keys',
  level: 'INFO',
  categories: ['PERFORMANCE'],
  description: 'A foreign key has no index leading with its columns, so joins along it and deletes on the referenced table scan the referencing table.',
  fixable: true,
});
