/**
 * The check as a pull request meets it, end to end on PGlite: static rules, migration hygiene and
 * the diff-aware shadow run together, through the engine with the default config.
 */
import { describe, expect, it } from '@jest/globals';
import { runChecks } from '../app/checks/engine.js';
import { withDefaultServices } from '../app/checks/services.js';
import { defaultConfig } from '../app/config/schema.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';

const OLD = 'supabase/migrations/20240101000000_legacy.sql';
const NEW = 'supabase/migrations/20240301000000_carts.sql';

/** Problems already on the base branch: the same three kinds, which the check must not report again. */
const legacy = [
  'create table public.legacy (id bigint generated always as identity primary key, owner uuid);',
  'create function public.legacy_admin() returns boolean language sql security definer as $$ select true $$;',
  'create index legacy_owner_idx on public.legacy (owner);',
  '',
].join('\n');

const carts = [
  '-- carts for the one-page checkout',
  'create table public.carts (',
  '  id bigint generated always as identity primary key,',
  '  owner uuid not null',
  ');',
  '',
  'create function public.cart_total(cart bigint) returns numeric',
  'language sql security definer',
  'as $$ select 0::numeric $$;',
  '',
  'create index legacy_id_owner_idx on public.legacy (id, owner);',
  '',
].join('\n');

describe('schema-safety on a pull request', () => {
  it('reports the table without RLS, the SECURITY DEFINER function without search_path and the blocking index, each with a fix, and nothing from the base branch', async () => {
    const changeSet = memoryChangeSet({ base: { [OLD]: legacy }, head: { [OLD]: legacy, [NEW]: carts } });
    const [result] = await withDefaultServices((services) => runChecks({ changeSet, config: defaultConfig, only: ['schema-safety'], services }));
    if (!result) throw new Error('schema-safety did not run');

    const gating = result.findings.filter((finding) => finding.severity !== 'notice');
    // Besides the three, the function is callable through /rest/v1/rpc by anyone: one finding for
    // anon and authenticated together, whose lints carry one fix.
    expect(gating.map((finding) => [finding.ruleId, finding.path, finding.startLine]).sort()).toEqual(
      [
        ['rls-not-enabled', NEW, 2],
        ['security-definer-search-path', NEW, 7],
        ['anon_security_definer_function_executable', NEW, 7],
        ['require-concurrent-index-creation', NEW, 11],
      ].sort(),
    );
    expect(gating.find((finding) => finding.ruleId === 'anon_security_definer_function_executable')?.message).toMatch(
      /revoke execute on function public\.cart_total\(cart bigint\) from public, anon, authenticated;[\s\S]*authenticated_security_definer_function_executable/,
    );
    for (const finding of gating) expect(finding.suggestion ?? finding.fix).toBeDefined();
    const byRule = new Map(gating.map((finding) => [finding.ruleId, finding]));
    const fixText = (ruleId: string) => {
      const finding = byRule.get(ruleId);
      return `${finding?.suggestion ?? ''}\n${finding?.fix?.kind === 'edit' ? finding.fix.replacement : ''}\n${finding?.message ?? ''}`;
    };
    expect(fixText('rls-not-enabled')).toMatch(/alter table public\.carts enable row level security/i);
    expect(fixText('security-definer-search-path')).toMatch(/set search_path = ''/i);
    expect(fixText('require-concurrent-index-creation')).toMatch(/create index concurrently/i);

    // The catalog saw the same table and function: their lints are folded into the static findings,
    // and the base branch's table, function and index are reported nowhere.
    expect(result.findings.filter((finding) => finding.path === OLD)).toEqual([]);
    expect(result.findings.some((finding) => /legacy_admin|public\.legacy\b(?! \()/.test(finding.message) && finding.ruleId !== 'require-concurrent-index-creation')).toBe(false);
    expect(result.conclusion).toBe('failure');
  });
});
