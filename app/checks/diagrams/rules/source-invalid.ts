import { defineRule, findingOf, type DiagramFinding } from '../rule.js';
import type { DiagramSourceError } from '../xml.js';

export const sourceInvalid = defineRule(
  'source-invalid',
  'error',
  'A diagram source cannot be read: XML that does not parse (reported at its line), a DOCTYPE or entity declaration, a broken compressed page, or a diagram over the size limits.',
);

export function sourceInvalidFinding(path: string, error: DiagramSourceError): DiagramFinding {
  const title =
    error.reason === 'limit' ? 'Diagram over the size limits' : error.reason === 'doctype' ? 'Diagram declares a DTD' : error.reason === 'not-a-diagram' ? 'Not a draw.io diagram' : 'Diagram does not parse';
  return findingOf(sourceInvalid, {
    path,
    ...(error.line !== undefined ? { startLine: error.line, endLine: error.line } : {}),
    ...(error.column !== undefined ? { startColumn: error.column } : {}),
    title,
    message: `${error.message}. Its exports were not checked.`,
  });
}
