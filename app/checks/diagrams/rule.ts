import { ruleDocsUrl } from '../docs-url.js';
import type { Finding, FindingArtifact, RuleMeta, Severity } from '../types.js';

export const CHECK_ID = 'diagrams';

/** An image written for people to look at: the committed export (`before`), the fresh render (`after`), pixelmatch's diff. */
export type DiagramArtifact = FindingArtifact;

/** Diagram findings carry their images in `artifacts`. */
export type DiagramFinding = Finding;

export type FindingFields = Omit<DiagramFinding, 'checkId' | 'ruleId' | 'severity' | 'docsUrl'>;

export function defineRule(id: string, defaultSeverity: Severity, description: string, fixable = false): RuleMeta {
  return { id, defaultSeverity, description, fixable, docsUrl: ruleDocsUrl(CHECK_ID, id) };
}

export function findingOf(rule: RuleMeta, fields: FindingFields): DiagramFinding {
  return { checkId: CHECK_ID, ruleId: rule.id, severity: rule.defaultSeverity, docsUrl: rule.docsUrl, ...fields };
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? noun : nouns}`;
}
