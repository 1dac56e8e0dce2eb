import { ruleDocsUrl } from '../docs-url.js';
import type { Finding, RuleMeta, Severity } from '../types.js';

export const CHECK_ID = 'spec-bundle';

/** What a rule fills in; the rest of a finding comes from the rule's metadata. */
export type FindingFields = Omit<Finding, 'checkId' | 'ruleId' | 'severity' | 'docsUrl'>;

export function defineRule(id: string, defaultSeverity: Severity, description: string): RuleMeta {
  return { id, defaultSeverity, description, fixable: false, docsUrl: ruleDocsUrl(CHECK_ID, id) };
}

/** Findings carry the rule's default severity; the engine applies the repository's overrides. */
export function findingOf(rule: RuleMeta, fields: FindingFields): Finding {
  return { checkId: CHECK_ID, ruleId: rule.id, severity: rule.defaultSeverity, docsUrl: rule.docsUrl, ...fields };
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? noun : nouns}`;
}

export function listOf(items: string[], conjunction: 'and' | 'or' = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}
