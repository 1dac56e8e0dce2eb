import type { ImageComparison } from '../compare.js';
import { defineRule, findingOf, plural, type DiagramArtifact, type DiagramFinding } from '../rule.js';

export const exportOutdated = defineRule(
  'export-outdated',
  'error',
  'A committed PNG export differs from a fresh deterministic render of its draw.io source (pixelmatch, tolerance 0 pixels by default).',
);

export interface PageRef {
  source: string;
  exportPath: string;
  pageName: string;
  pageIndex: number;
  pageCount: number;
  /** 1-based line of the page in the source, when known. */
  line?: number;
}

export function describePage(page: PageRef): string {
  return page.pageCount === 1 ? page.source : `${page.source} page ${page.pageIndex + 1} ("${page.pageName}")`;
}

export function describeDifference(comparison: ImageComparison): string {
  if (!comparison.sameSize) {
    return `the committed image is ${comparison.actual.width}×${comparison.actual.height} px, a fresh render is ${comparison.expected.width}×${comparison.expected.height} px`;
  }
  const share = (comparison.differing / comparison.total) * 100;
  const region = comparison.region ? ` around x=${comparison.region.x}, y=${comparison.region.y} (${comparison.region.width}×${comparison.region.height} px)` : '';
  return `${plural(comparison.differing, 'pixel')} differ (${share < 0.01 ? '<0.01' : share.toFixed(2)}% of the image)${region}`;
}

export function regenerateHint(source: string): string {
  return `Regenerate it with \`npx platform-kit diagrams check --update ${source}\` and commit the result.`;
}

export function exportOutdatedFinding(page: PageRef, comparison: ImageComparison, artifacts: DiagramArtifact[]): DiagramFinding {
  return findingOf(exportOutdated, {
    path: page.exportPath,
    title: 'Diagram export is out of date',
    message: `${page.exportPath} does not match ${describePage(page)}: ${describeDifference(comparison)}. ${regenerateHint(page.source)}`,
    ...(artifacts.length > 0 ? { artifacts } : {}),
  });
}
