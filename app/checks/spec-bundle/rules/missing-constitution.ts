import type { Finding } from '../../types.js';
import type { BundleLayout } from '../options.js';
import { defineRule, findingOf } from '../rule.js';

export const missingConstitution = defineRule(
  'missing-constitution',
  'error',
  "A linked bundle's layout requires a repository-wide constitution (spec-kit: `.specify/memory/constitution.md`) that is missing or empty.",
);

export function missingConstitutionFinding(layout: BundleLayout, path: string, linkedDirs: string[], empty: boolean): Finding {
  return findingOf(missingConstitution, {
    path,
    ...(empty ? { startLine: 1, endLine: 1 } : {}),
    title: empty ? 'Constitution empty' : 'Constitution missing',
    message:
      `${path} is ${empty ? 'empty' : 'missing'}; the ${layout.name} layout of ${linkedDirs.join(', ')} requires it ` +
      'to hold the principles every spec of the repository follows.',
  });
}
