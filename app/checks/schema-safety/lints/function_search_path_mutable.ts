import { defineCatalogLint } from './define.js';

/**
 * A warning as in splinter; the fix is mechanical.
 */
export const lint = defineCatalogLint({
  id: 'function_search_path_mutable',
  title: 'Function Search Path Mutable',
  level: 'WARN',
  categories: ['SECURITY'],
  description: "A function does not set search_path to an empty string, so the names it uses resolve through the caller's search_path.",
  fixable: true,
});
