import type { Finding } from '../../types.js';
import { defineRule, findingOf, listOf } from '../rule.js';

export const unknownBundle = defineRule(
  'unknown-bundle',
  'error',
  'The PR body (`Spec: ...`) or a `spec:<feature>` label links a spec bundle that does not exist on the head commit.',
);

/** Where a broken link was written, e.g. "line 3 of the PR body" or "label `spec:checkout`". */
export type LinkOrigin = { kind: 'body'; line: number; text: string } | { kind: 'label'; label: string };

export function unknownBundleFinding(origin: LinkOrigin, problem: string, roots: string[]): Finding {
  const where = origin.kind === 'body' ? `\`${origin.text}\` (PR body, line ${origin.line})` : `the label \`${origin.label}\``;
  const expected = listOf(roots.map((root) => `${root}/<feature>/`), 'or');
  return findingOf(unknownBundle, {
    title: 'Linked spec bundle not found',
    message: `${where} links a spec bundle, but ${problem}. Link an existing folder under ${expected}, or add the bundle in this PR.`,
  });
}
