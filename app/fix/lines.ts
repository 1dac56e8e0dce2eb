/**
 * Line-range edits on a text file that keep what the edits do not touch byte for byte: each line's
 * own line break (CRLF, LF, or mixed), the byte order mark, and whether the file ends with a newline.
 */

const BOM = '\uFEFF';

/** Replace lines [startLine, endLine] (1-based, inclusive); `''` deletes them. */
export interface LineEdit {
  startLine: number;
  endLine: number;
  replacement: string;
}

export interface LineText {
  bom: boolean;
  lines: string[];
  /** The break after each line: '\r\n', '\n', or '' for a last line without one. */
  breaks: string[];
  /** The break new lines get: the file's most common one. */
  newline: '\n' | '\r\n';
}

export function splitLines(text: string): LineText {
  const bom = text.startsWith(BOM);
  const body = bom ? text.slice(1) : text;
  const lines: string[] = [];
  const breaks: string[] = [];
  let crlf = 0;
  let lf = 0;
  let start = 0;
  while (start < body.length) {
    const at = body.indexOf('\n', start);
    if (at < 0) {
      lines.push(body.slice(start));
      breaks.push('');
      break;
    }
    const isCrlf = at > start && body[at - 1] === '\r';
    if (isCrlf) crlf += 1;
    else lf += 1;
    lines.push(body.slice(start, isCrlf ? at - 1 : at));
    breaks.push(isCrlf ? '\r\n' : '\n');
    start = at + 1;
  }
  return { bom, lines, breaks, newline: crlf > lf ? '\r\n' : '\n' };
}

export function joinLines(text: LineText): string {
  let out = text.bom ? BOM : '';
  text.lines.forEach((line, i) => {
    out += line + (text.breaks[i] ?? '');
  });
  return out;
}

/** The replacement as lines, whatever line breaks it was written with; `''` is no lines at all. */
function replacementLines(replacement: string): string[] {
  const text = replacement.startsWith(BOM) ? replacement.slice(1) : replacement;
  return text === '' ? [] : text.split(/\r?\n/);
}

/** Why an edit cannot apply to a file of `lineCount` lines, or null when it can. */
export function rangeProblem(edit: Pick<LineEdit, 'startLine' | 'endLine'>, lineCount: number): string | null {
  if (edit.endLine > lineCount) {
    return `lines ${edit.startLine}-${edit.endLine} are past the end of the file (${lineCount} line${lineCount === 1 ? '' : 's'})`;
  }
  return null;
}

/** Whether the edit would leave the lines as they are. */
export function editChangesNothing(text: LineText, edit: LineEdit): boolean {
  const current = text.lines.slice(edit.startLine - 1, edit.endLine);
  const next = replacementLines(edit.replacement);
  return current.length === next.length && current.every((line, i) => line === next[i]);
}

/**
 * Applies non-overlapping edits whose ranges are inside the file. Bottom-up, so each edit's line
 * numbers still refer to the original text.
 */
export function applyLineEdits(original: string, edits: readonly LineEdit[]): string {
  const text = splitLines(original);
  const endsWithNewline = text.breaks.at(-1) !== '' && text.lines.length > 0;
  const lines = [...text.lines];
  const breaks = [...text.breaks];
  for (const edit of [...edits].sort((a, b) => b.startLine - a.startLine)) {
    const next = replacementLines(edit.replacement);
    // The last new line takes over the break of the last replaced line; the others get the file's own.
    const lastBreak = breaks[edit.endLine - 1] ?? '';
    const nextBreaks = next.map((_, i) => (i === next.length - 1 ? lastBreak : text.newline));
    lines.splice(edit.startLine - 1, edit.endLine - edit.startLine + 1, ...next);
    breaks.splice(edit.startLine - 1, edit.endLine - edit.startLine + 1, ...nextBreaks);
  }
  // Deleting the last lines must not add or drop the file's final newline.
  if (lines.length > 0) breaks[lines.length - 1] = endsWithNewline ? (breaks[lines.length - 1] || text.newline) : '';
  return joinLines({ ...text, lines, breaks });
}
