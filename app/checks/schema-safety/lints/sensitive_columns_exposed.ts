import { API_ROLES, defineCatalogLint } from './define.js';

/**
 * Sensitive data readable with the anon key: an error.
 */
export const lint = defineCatalogLint({
  id: 'sensitive_columns_exposed',
  title: 'Sensitive Columns Exposed',
  level: 'ERROR',
  categories: ['SECURITY'],
  description: 'A table exposed over the Data API without row level security has columns whose names suggest credentials or personal data.',
  fixable: true,
  requires: { anyRole: API_ROLES },
});
