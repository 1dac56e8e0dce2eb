import { defineCatalogLint } from './define.js';

/**
 * A performance lint kept at warning: per-row calls slow RLS-protected queries by orders of magnitude on large tables, and the fix is mechanical.
 */
export const lint = defineCatalogLint({
  id: 'auth_rls_initplan',
  title: 'Auth RLS Initialization Plan',
  level: 'WARN',
  categories: ['PERFORMANCE'],
  description: 'A row level security policy calls auth.uid(), auth.jwt(), auth.role() or auth.email() directly, so the call runs once per row instead of once per query.',
  fixable: true,
});
