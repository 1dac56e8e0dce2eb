/** A `Spec: ...` line of the PR body. */
export interface SpecLine {
  /** 1-based line in the PR body. */
  line: number;
  /** The text after `Spec:`, trimmed. */
  value: string;
}

/**
 * Lines of the body as an author reads them: HTML comments (PR template instructions) removed,
 * list bullets and bold/italic markers around the label dropped.
 */
function readableLines(body: string | null | undefined): string[] {
  // GitHub sends `body: null` for a PR without a description; a driver may pass it through.
  const withoutComments = (body ?? '').replace(/<!--[\s\S]*?(?:-->|$)/g, (comment) => comment.replace(/[^\n]/g, ''));
  return withoutComments.split(/\r?\n/).map((line) =>
    line
      .replace(/^\s*>\s?/, '')
      .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '')
      .replace(/(\*\*|__)/g, '')
      .replace(/^[*_]+/, '')
      .replace(/[*_]+:|:[*_]+/g, ':')
      .trim(),
  );
}

const NO_VALUE = new Set(['', 'none', 'n/a', 'na', '-', '—']);

/** Every `Spec:` (or `Specs:`) line, case-insensitive; empty and "none"/"n/a" values are skipped. */
export function specLines(body: string | null | undefined): SpecLine[] {
  const found: SpecLine[] = [];
  readableLines(body).forEach((text, index) => {
    const match = /^specs?\s*:\s*(.*)$/i.exec(text);
    const value = match?.[1]?.trim() ?? '';
    if (!match || NO_VALUE.has(value.toLowerCase()) || /^<[^>]*>$/.test(value)) return;
    found.push({ line: index + 1, value });
  });
  return found;
}

/** A path-form reference `<root>/<feature>` found in a link's text. */
export interface PathReference {
  root: string;
  feature: string;
}

/**
 * Reads bundle references out of a `Spec:` value or a label: `spec/checkout`, `./specs/001-x/`,
 * `` `spec/a`, spec/b ``, a Markdown link or a GitHub URL ending in `/spec/checkout`. Without any
 * `<root>/` path, a single word is a bare feature name looked up under every root.
 */
export function parseReference(value: string, roots: string[]): { paths: PathReference[]; bare?: string } {
  const paths: PathReference[] = [];
  if (roots.length > 0) {
    // Longest roots first, so `docs/spec/x` is read whole rather than as `spec/x`.
    const alternatives = [...roots].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
    const pattern = new RegExp(`(?:^|[^A-Za-z0-9_.-])(?:\\./)?(${alternatives})/([A-Za-z0-9._-]+)`, 'g');
    for (const match of value.matchAll(pattern)) {
      const root = match[1] ?? '';
      const feature = (match[2] ?? '').replace(/\.+$/, '');
      if (feature === '' || paths.some((path) => path.root === root && path.feature === feature)) continue;
      paths.push({ root, feature });
    }
  }
  if (paths.length > 0) return { paths };
  const word = value.replace(/^[`'"[(<]+|[`'")\]>.,;:]+$/g, '');
  return /^[A-Za-z0-9._-]+$/.test(word) ? { paths, bare: word } : { paths };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The reason given for a waiver: a `No-spec reason: ...` line (named after the waiver label, so
 * `skip-spec` reads `Skip-spec reason:`), or a plain `Reason: ...` line. Undefined when there is
 * none or it holds no words (a template placeholder like `<why>` does not count).
 */
export function waiverReason(body: string | null | undefined, waiverLabel: string): { line: number; reason: string } | undefined {
  const labelWords = waiverLabel
    .split(/[-_\s]+/)
    .filter((word) => word !== '')
    .map(escapeRegExp)
    .join('[-_\\s]*');
  const pattern = new RegExp(`^(?:${labelWords}\\s*)?reason\\s*:\\s*(.*)$`, 'i');
  const lines = readableLines(body);
  for (const [index, text] of lines.entries()) {
    const reason = pattern.exec(text)?.[1]?.trim();
    if (reason === undefined) continue;
    const words = reason.replace(/<[^>]*>/g, '').trim();
    if (/[\p{L}\p{N}]/u.test(words)) return { line: index + 1, reason: words };
  }
  return undefined;
}
