import { defineCatalogLint } from './define.js';

/**
 * A warning as in splinter: it blocks upgrades rather than breaking anything today.
 */
export const lint = defineCatalogLint({
  id: 'unsupported_reg_types',
  title: 'Unsupported reg types',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'A table column uses a reg* type that pg_upgrade cannot carry over, blocking major version upgrades.',
  fixable: false,
});
