import { defineRule, findingOf, type DiagramFinding } from '../rule.js';

export const externalImage = defineRule(
  'external-image',
  'notice',
  'A diagram refers to images on other hosts; the renderer never fetches them, so they render as missing.',
);

export function externalImageFinding(source: string, urls: string[]): DiagramFinding {
  const shown = urls.slice(0, 5).join(', ');
  const more = urls.length > 5 ? ` and ${urls.length - 5} more` : '';
  return findingOf(externalImage, {
    path: source,
    title: 'Diagram uses remote images',
    message: `${source} refers to ${shown}${more}. Renders never fetch remote content, so these images are drawn as missing; embed them in the diagram (draw.io: Edit Image → upload) to make them part of the export.`,
  });
}
