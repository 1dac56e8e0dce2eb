/**
 * What is wrong with a config artifact, located: the file, the JSON pointer of the value and its
 * line (and column when known), so a reviewer can go straight to it.
 */
export interface ConfigIssue {
  file: string;
  /** RFC 6901 JSON pointer; "" is the whole document. */
  pointer: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const at = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}${issue.column === undefined ? '' : `:${issue.column}`}`;
  return `${at}: ${issue.pointer === '' ? '(document)' : issue.pointer}: ${issue.message}`;
}

/** Thrown when one or more artifacts are invalid; nothing has been published. */
export class ConfigValidationError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.length === 1 ? formatIssue(issues[0] as ConfigIssue) : `${issues.length} problems:\n${issues.map((issue) => `  ${formatIssue(issue)}`).join('\n')}`);
    this.name = 'ConfigValidationError';
    this.issues = issues;
  }
}

/** RFC 6901: "~" → "~0", "/" → "~1". */
export function pointerOf(path: ReadonlyArray<string | number>): string {
  return path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
