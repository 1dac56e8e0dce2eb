import { defineCatalogLint } from './define.js';

/**
 * A warning as in splinter: often intended (then waived), and it needs a reviewer's judgement.
 */
export const lint = defineCatalogLint({
  id: 'anon_security_definer_function_executable',
  title: 'Public Can Execute SECURITY DEFINER Function',
  level: 'WARN',
  categories: ['SECURITY'],
  description: 'A SECURITY DEFINER function in an API-exposed schema can be called by anon through /rest/v1/rpc.',
  fixable: true,
  requires: { anyRole: ['anon'] },
});
