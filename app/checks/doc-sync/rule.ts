import { ruleDocsUrl } from '../docs-url.js';
import type { Finding, RuleMeta, Severity } from '../types.js';

export const CHECK_ID = 'doc-sync';

/** What a rule fills in; the rest of a finding comes from the rule's metadata. */
export type FindingFields = Omit<Finding, 'checkId' | 'ruleId' | 'severity' | 'docsUrl'>;

export function defineRule(id: string, defaultSeverity: Severity, description: string, fixable = false): RuleMeta {
  return { id, defaultSeverity, description, fixable, docsUrl: ruleDocsUrl(CHECK_ID, id) };
}

/** Findings carry the rule's default severity; the engine applies the repository's overrides. */
export function findingOf(rule: RuleMeta, fields: FindingFields): Finding {
  return { checkId: CHECK_ID, ruleId: rule.id, severity: rule.defaultSeverity, docsUrl: rule.docsUrl, ...fields };
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
