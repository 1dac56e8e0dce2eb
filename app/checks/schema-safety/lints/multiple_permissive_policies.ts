import { defineCatalogLint } from './define.js';

/**
 * Splinter's WARN lowered to a notice: a performance matter, and often a deliberate way to write policies.
 */
export const lint = defineCatalogLint({
  id: 'multiple_permissive_policies',
  title: 'Multiple Permissive Policies',
  level: 'WARN',
  categories: ['PERFORMANCE'],
  description: 'A table has several permissive row level security policies for the same role and action; each runs for every row.',
  fixable: false,
  severity: 'notice',
});
