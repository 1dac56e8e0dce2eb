import { defineRule, findingOf, type DiagramFinding } from '../rule.js';
import type { RenderError } from '../renderer/types.js';
import { describePage, type PageRef } from './export-outdated.js';

export const renderFailed = defineRule(
  'render-failed',
  'warning',
  'A diagram page could not be rendered (timeout, browser crash, page too large); its export was not compared.',
);

export function renderFailedFinding(page: PageRef, error: RenderError): DiagramFinding {
  return findingOf(renderFailed, {
    path: page.source,
    ...(page.line !== undefined ? { startLine: page.line, endLine: page.line } : {}),
    title: 'Diagram could not be rendered',
    message: `${describePage(page)}: ${error.message}. Its export was not compared; the other diagrams were checked.`,
  });
}
