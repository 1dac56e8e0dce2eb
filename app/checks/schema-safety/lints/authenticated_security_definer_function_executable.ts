import { defineCatalogLint } from './define.js';

/**
 * A warning as in splinter.
 */
export const lint = defineCatalogLint({
  id: 'authenticated_security_definer_function_executable',
  title: 'Signed-In Users Can Execute SECURITY DEFINER Function',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'A SECURITY DEFINER function in an API-exposed schema can be called by any signed-in user through /rest/v1/rpc.',
  fixable: true,
  requires: { anyRole: ['authenticated'] },
});
