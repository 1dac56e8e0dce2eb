import type { LintResult } from './types.js';

const ANON = 'anon_security_definer_function_executable';
const AUTHENTICATED = 'authenticated_security_definer_function_executable';

/** `revoke execute on function X from <roles>;` — the first line of both lints' fix. */
const REVOKE = /^(revoke execute on function .+ from )([^;]+);$/m;

function functionKey(result: LintResult): string {
  const { schema, name, arguments: args } = result.metadata;
  return JSON.stringify([schema, name, args]);
}

/**
 * When anon and authenticated can both execute a SECURITY DEFINER function, each lint's fix alone
 * is right but together they contradict: anon's grants EXECUTE back to authenticated, which the
 * other revokes, so the result would depend on the order they are applied in. Both findings then
 * carry one fix, authenticated's with anon added to its revoke: anon and authenticated lose
 * EXECUTE, service_role keeps what it had. Not when either finding is waived: a team that lets
 * signed-in users call the function keeps anon's own fix, which leaves them EXECUTE.
 */
export function reconcileFixes(results: LintResult[], waived: ReadonlySet<string> = new Set()): LintResult[] {
  const authenticatedFixes = new Map<string, string>();
  const anonFunctions = new Set<string>();
  for (const result of results) {
    if (waived.has(result.cache_key)) continue;
    if (result.name === AUTHENTICATED && result.fix_sql) authenticatedFixes.set(functionKey(result), result.fix_sql);
    if (result.name === ANON) anonFunctions.add(functionKey(result));
  }
  for (const key of [...authenticatedFixes.keys()]) if (!anonFunctions.has(key)) authenticatedFixes.delete(key);
  if (authenticatedFixes.size === 0) return results;
  return results.map((result) => {
    if ((result.name !== ANON && result.name !== AUTHENTICATED) || waived.has(result.cache_key)) return result;
    const fix = authenticatedFixes.get(functionKey(result));
    const revoke = fix ? REVOKE.exec(fix) : null;
    if (!fix || !revoke) return result;
    const roles = (revoke[2] ?? '').split(',').map((role) => role.trim());
    const withAnon = roles.includes('anon') ? roles : [...roles.filter((role) => role !== 'authenticated'), 'anon', 'authenticated'];
    const combined = fix.replace(REVOKE, `$1${withAnon.join(', ')};`);
    const other = result.name === ANON ? 'authenticated' : 'anon';
    return { ...result, fix_sql: combined, detail: `${result.detail} The fix also revokes EXECUTE from \`${other}\`, which can call it too.` };
  });
}
