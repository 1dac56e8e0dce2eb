import { diagramsCheck } from './diagrams/index.js';
import { docSyncCheck } from './doc-sync/index.js';
import { ENGINE_RULES } from './engine-rules.js';
import { schemaSafetyCheck } from './schema-safety/index.js';
import { specBundleCheck } from './spec-bundle/index.js';
import type { Check, RuleMeta } from './types.js';

/** Every check, in the order they run and are reported. */
// Each check has its own options type; the registry only needs the common shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const checks: Check<any>[] = [specBundleCheck, schemaSafetyCheck, diagramsCheck, docSyncCheck];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function findCheck(id: string): Check<any> | undefined {
  return checks.find((check) => check.id === id);
}

export type RegisteredRule = RuleMeta & { checkId: string };

/** Check rules, then the engine's own rules (which every check can raise), with their check id. */
export function allRules(): RegisteredRule[] {
  return [
    ...checks.flatMap((check) => check.rules.map((rule) => ({ ...rule, checkId: check.id }))),
    ...ENGINE_RULES.map((rule) => ({ ...rule, checkId: 'engine' })),
  ];
}

/** Rule ids a check's `rules:` overrides may name: its own (and their aliases) and the engine's. */
export function configurableRuleIds(checkId: string): string[] {
  const check = findCheck(checkId);
  return [...(check?.rules.flatMap((rule) => [rule.id, ...(rule.aliases ?? [])]) ?? []), ...ENGINE_RULES.map((rule) => rule.id)];
}

/** alias → rule id, for the rules that have other spellings. */
export function ruleAliases(rules: readonly RuleMeta[]): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const rule of rules) for (const alias of rule.aliases ?? []) aliases.set(alias, rule.id);
  return aliases;
}
