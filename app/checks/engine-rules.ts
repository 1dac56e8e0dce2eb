import { ruleDocsUrl } from './docs-url.js';
import type { RuleMeta } from './types.js';

/** Rules the engine raises on behalf of any check. */
export const FILE_SKIPPED: RuleMeta = {
  id: 'file-skipped',
  defaultSeverity: 'notice',
  description: 'A file the check needed was binary or larger than 1 MB and was not read.',
  fixable: false,
  docsUrl: ruleDocsUrl('engine', 'file-skipped'),
};

export const CHECK_CRASHED: RuleMeta = {
  id: 'check-crashed',
  defaultSeverity: 'error',
  description: 'The check stopped on an unexpected error; the change was not fully checked.',
  fixable: false,
  docsUrl: ruleDocsUrl('engine', 'check-crashed'),
};

export const OVER_BUDGET: RuleMeta = {
  id: 'over-budget',
  defaultSeverity: 'error',
  description: 'The check ran past its time or memory budget and was stopped; the change was not fully checked.',
  fixable: false,
  docsUrl: ruleDocsUrl('engine', 'over-budget'),
};

export const CHANGE_TOO_LARGE: RuleMeta = {
  id: 'change-too-large',
  defaultSeverity: 'notice',
  description: 'The change lists more files than the driver can load (GitHub lists at most 3,000 per PR).',
  fixable: false,
  docsUrl: ruleDocsUrl('engine', 'change-too-large'),
};

export const INVALID_CONFIG: RuleMeta = {
  id: 'invalid-config',
  defaultSeverity: 'error',
  description: 'The Platform Kit config (.github/platform-kit.yml) is not valid YAML or does not fit the schema.',
  fixable: false,
  docsUrl: ruleDocsUrl('engine', 'invalid-config'),
};

export const ENGINE_RULES: RuleMeta[] = [FILE_SKIPPED, CHECK_CRASHED, OVER_BUDGET, CHANGE_TOO_LARGE, INVALID_CONFIG];
