import { ruleDocsUrl } from '../../docs-url.js';
import type { Finding, RuleMeta, Severity } from '../../types.js';

export const SCHEMA_SAFETY = 'schema-safety';

/** A hygiene finding is an engine finding of the schema-safety check. */
export type HygieneFinding = Finding & { checkId: typeof SCHEMA_SAFETY };

/** What a hygiene rule fills in; the rest comes from the rule's metadata. */
export type HygieneFindingFields = Omit<Finding, 'checkId' | 'ruleId' | 'docsUrl' | 'severity'> & { severity?: Severity };

export function defineHygieneRule(id: string, defaultSeverity: Severity, description: string): RuleMeta {
  return { id, defaultSeverity, description, fixable: false, docsUrl: ruleDocsUrl(SCHEMA_SAFETY, id) };
}

/** Findings carry the rule's default severity unless the hit sets its own; config overrides come later, in the engine. */
export function hygieneFinding(rule: RuleMeta, fields: HygieneFindingFields): HygieneFinding {
  const { severity, ...rest } = fields;
  return { checkId: SCHEMA_SAFETY, ruleId: rule.id, severity: severity ?? rule.defaultSeverity, docsUrl: rule.docsUrl, ...rest };
}
