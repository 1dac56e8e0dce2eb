import type { ImageComparison } from '../compare.js';
import { defineRule, findingOf, type DiagramArtifact, type DiagramFinding } from '../rule.js';
import { describeDifference, describePage, regenerateHint, type PageRef } from './export-outdated.js';

export const exportEdited = defineRule(
  'export-edited',
  'error',
  'The change edits a diagram export without changing its draw.io source, and the export no longer matches the source (or could not be compared).',
);

export function exportEditedFinding(page: PageRef, comparison: ImageComparison | null, artifacts: DiagramArtifact[]): DiagramFinding {
  const difference = comparison
    ? `it differs from a fresh render of ${describePage(page)}: ${describeDifference(comparison)}`
    : `its source ${describePage(page)} is unchanged and no renderer was available to confirm the image still matches it`;
  return findingOf(exportEdited, {
    path: page.exportPath,
    title: 'Diagram export edited by hand',
    message: `This change edits ${page.exportPath} but not ${page.source}; ${difference}. Edit the source in draw.io instead; ${regenerateHint(page.source).charAt(0).toLowerCase()}${regenerateHint(page.source).slice(1)}`,
    ...(artifacts.length > 0 ? { artifacts } : {}),
  });
}
