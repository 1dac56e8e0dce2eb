import { defineCatalogLint } from './define.js';

/**
 * The versions are the server's: a shadow database's are the shadow engine's, so only `db lint` on a live database runs it.
 */
export const lint = defineCatalogLint({
  id: 'extension_versions_outdated',
  title: 'Extension Versions Outdated',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'An extension is older than the default version the server ships.',
  fixable: true,
  shadowApplicable: false,
});
