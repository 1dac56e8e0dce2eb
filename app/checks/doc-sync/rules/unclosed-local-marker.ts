import type { Finding } from '../../types.js';
import { defineRule, findingOf } from '../rule.js';

export const unclosedLocalMarker = defineRule(
  'unclosed-local-marker',
  'warning',
  'A `<!-- platform-kit:local -->` marker has no closing `<!-- /platform-kit:local -->` (or a closing marker has no opening one).',
);

export function unclosedLocalMarkerFinding(path: string, line: number, kind: 'unclosed' | 'stray'): Finding {
  return findingOf(unclosedLocalMarker, {
    path,
    startLine: line,
    endLine: line,
    title: kind === 'unclosed' ? 'Local region not closed' : 'Closing local marker without an opening one',
    message:
      kind === 'unclosed'
        ? `The local region opened at ${path}:${line} is never closed, so everything to the end of the file is treated as ${path}'s own and neither compared nor synced. Add \`<!-- /platform-kit:local -->\` where the region ends.`
        : `${path}:${line} closes a local region that was never opened; add \`<!-- platform-kit:local -->\` where it starts, or remove the marker.`,
  });
}
