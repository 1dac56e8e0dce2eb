import { defineRule, findingOf, type DiagramFinding } from '../rule.js';

export const rendererUnavailable = defineRule(
  'renderer-unavailable',
  'notice',
  'No diagram renderer could run here (Chromium or the draw.io CLI missing, or the bundled draw.io failing its checksums); exports were not compared with their sources.',
);

export function rendererUnavailableFinding(reason: string, skippedPages: number): DiagramFinding {
  return findingOf(rendererUnavailable, {
    title: 'Diagram exports not compared',
    message: `${reason}. ${skippedPages === 1 ? 'One page was' : `${skippedPages.toLocaleString('en-US')} pages were`} not compared with ${skippedPages === 1 ? 'its' : 'their'} export; the other diagram rules still ran.`,
  });
}
