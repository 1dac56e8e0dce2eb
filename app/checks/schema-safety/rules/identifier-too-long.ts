import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { editsToHit, identifierOf, quoteIdent, tokensOf } from './schema-support/text.js';

/** NAMEDATALEN - 1: PostgreSQL silently truncates longer identifiers. */
const MAX_BYTES = 63;

/** Cuts at a character boundary, as PostgreSQL's pg_mbcliplen does. */
export function truncateIdentifier(name: string): string {
  let out = '';
  for (const char of name) {
    if (Buffer.byteLength(out + char, 'utf8') > MAX_BYTES) break;
    out += char;
  }
  return out;
}

const WORD = /[A-Za-z0-9_$\u0080-\uffff]{16,}|"(?:[^"]|""){16,}"/g;

/**
 * A match of WORD over 63 bytes spans 64 word characters, or 62 quoted ones (31 when `""` occurs), in
 * ASCII text, and 22 or 21 in any text (a UTF-16 unit is at most 3 bytes): one test, collecting no
 * match, rules out most statements.
 */
const LONG_ASCII_RUN_ESCAPED = /[A-Za-z0-9_$]{64}|"(?:[^"]|""){31,}"/;
const LONG_RUN = /[A-Za-z0-9_$\u0080-\uffff]{22}|"(?:[^"]|""){21,}"/;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * `/[A-Za-z0-9_$]{64}|"[^"]{62,}"/` in one pass (that regular expression retries each word from every
 * character of it). Every quote is tried as an opening one, as the expression does: a quote inside a
 * string literal must not hide the identifier after it.
 */
function hasLongAsciiRun(text: string): boolean {
  let run = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 36) {
      if (++run >= 64) return true;
      continue;
    }
    run = 0;
    if (code !== 34) continue;
    const close = text.indexOf('"', index + 1);
    if (close >= 0 && close - index - 1 >= 62) return true;
  }
  return false;
}

function mayHoldLongRun(text: string): boolean {
  if (NON_ASCII.test(text)) return LONG_RUN.test(text);
  return text.includes('""') ? LONG_ASCII_RUN_ESCAPED.test(text) : hasLongAsciiRun(text);
}

/** Scanning is the expensive part: only statements holding a run of text longer than 63 bytes can have such a name. */
function mayHoldLongName(text: string): boolean {
  if (!mayHoldLongRun(text)) return false;
  for (const match of text.matchAll(WORD)) if (Buffer.byteLength(match[0], 'utf8') > MAX_BYTES) return true;
  return false;
}

export const rule = defineSchemaRule({
  id: 'identifier-too-long',
  defaultSeverity: 'notice',
  description: 'An identifier longer than 63 bytes: PostgreSQL silently truncates it, so the object gets a different name than the one written.',
  fixable: true,
  check(file) {
    const hits: RuleHit[] = [];
    // Without meta-commands (blanked in statements, not in the file) every statement's text is part of
    // the file's, and a run in a statement is one in the file: a single test rules most files out.
    if (file.metaCommands.length === 0 && !mayHoldLongRun(file.text)) return hits;
    for (const statement of file.statements) {
      if (!mayHoldLongName(statement.text)) continue;
      const seen = new Set<string>();
      // The parser has already truncated names in the AST; the tokens still hold them as written.
      for (const token of tokensOf(statement)) {
        if (token.name !== 'IDENT') continue;
        const name = identifierOf(token);
        if (name === undefined || seen.has(name) || Buffer.byteLength(name, 'utf8') <= MAX_BYTES) continue;
        seen.add(name);
        const truncated = truncateIdentifier(name);
        const replacement = token.text.startsWith('"') ? `"${truncated.replace(/"/g, '""')}"` : quoteIdent(truncated);
        hits.push({
          statement,
          location: token.start,
          title: 'Identifier longer than 63 bytes',
          message:
            `\`${name}\` is ${Buffer.byteLength(name, 'utf8')} bytes; PostgreSQL keeps the first 63 and calls it \`${truncated}\`. ` +
            'Catalog queries, error messages, `supabase gen types` and tools that compare names then see a name nobody wrote, and two long names sharing their first 63 bytes collide. Shorten it.',
          ...editsToHit(file, statement, [{ start: token.start, end: token.end, text: replacement }], `Rename to \`${truncated}\` (the name PostgreSQL uses)`),
        });
      }
    }
    return hits;
  },
});
