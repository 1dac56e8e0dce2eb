import { defineRule, findingOf, type DiagramFinding } from '../rule.js';

export const embeddedSourceStale = defineRule(
  'embedded-source-stale',
  'error',
  'A .drawio.png or .drawio.svg export carries an embedded diagram that differs from the .drawio source it exports.',
);

export function embeddedSourceStaleFinding(exportPath: string, source: string, difference: string): DiagramFinding {
  return findingOf(embeddedSourceStale, {
    path: exportPath,
    title: 'Embedded diagram differs from its source',
    message: `${exportPath} embeds a diagram that differs from ${source} (${difference}): whoever opens the image in draw.io edits an old version. Export it again from ${source} with "Include a copy of my diagram".`,
  });
}
