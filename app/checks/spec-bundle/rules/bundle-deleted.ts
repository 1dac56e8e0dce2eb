import type { Finding } from '../../types.js';
import type { Bundle } from '../bundles.js';
import { defineRule, findingOf, plural } from '../rule.js';

export const bundleDeleted = defineRule(
  'bundle-deleted',
  'warning',
  'The change deletes a whole spec bundle folder.',
);

export function bundleDeletedFinding(bundle: Bundle, removedFiles: number): Finding {
  return findingOf(bundleDeleted, {
    title: 'Spec bundle deleted',
    message:
      `This change deletes the spec bundle ${bundle.dir}/ (${plural(removedFiles, 'file')}). ` +
      'If the feature is gone, this is expected; if the spec moved, link its new folder.',
  });
}
