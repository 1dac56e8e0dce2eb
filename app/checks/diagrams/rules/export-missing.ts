import { defineRule, findingOf, type DiagramFinding } from '../rule.js';
import { describePage, regenerateHint, type PageRef } from './export-outdated.js';

export const exportMissing = defineRule(
  'export-missing',
  'warning',
  'A draw.io source has no PNG export where the config expects one (next to the source, or in the configured output folder).',
);

export function exportMissingFinding(page: PageRef): DiagramFinding {
  return findingOf(exportMissing, {
    path: page.source,
    ...(page.line !== undefined ? { startLine: page.line, endLine: page.line } : {}),
    title: 'Diagram export missing',
    message: `${describePage(page)} has no export at ${page.exportPath}. ${regenerateHint(page.source)}`,
  });
}
