import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';

export interface ConfigError {
  /** Where the file came from, e.g. `acme/.github:.github/platform-kit.yml` or a local path. */
  file: string;
  /** 1-based. */
  line?: number;
  column?: number;
  message: string;
}

export interface ParsedYaml {
  doc: Document;
  lines: LineCounter;
  value: unknown;
  errors: ConfigError[];
}

/** Parses YAML keeping positions, so later validation errors can point at the offending line. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const errors: ConfigError[] = doc.errors.map((error) => {
    const position = lines.linePos(error.pos[0]);
    return {
      file,
      line: position.line,
      column: position.col,
      message: `invalid YAML: ${firstLine(error.message)}`,
    };
  });
  const value = errors.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : undefined;
  return { doc, lines, value, errors };
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? message;
}

type PathKey = string | number | symbol;

/** Maps a zod issue to the YAML node it is about, naming the field in dotted form. */
export function zodIssueToError(issue: z.core.$ZodIssue, parsed: ParsedYaml, file: string): ConfigError[] {
  const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
  const field = dotted(path);
  if (issue.code === 'unrecognized_keys') {
    const parent = nodeAt(parsed.doc, path);
    return issue.keys.map((key) => {
      const keyNode = isMap(parent) ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key : undefined;
      return {
        file,
        ...position(parsed, (keyNode as Node | undefined) ?? parent),
        message: `unknown key "${dotted([...path, key])}"`,
      };
    });
  }
  const node = nodeAt(parsed.doc, path) ?? nearestExisting(parsed.doc, path);
  return [{ file, ...position(parsed, node), message: `${field || '(root)'}: ${issue.message}` }];
}

function nodeAt(doc: Document, path: PathKey[]): Node | undefined {
  if (path.length === 0) return (doc.contents as Node | null) ?? undefined;
  return doc.getIn(path, true) as Node | undefined;
}

function nearestExisting(doc: Document, path: PathKey[]): Node | undefined {
  for (let length = path.length - 1; length >= 0; length -= 1) {
    const node = nodeAt(doc, path.slice(0, length));
    if (node) return node;
  }
  return undefined;
}

function position(parsed: ParsedYaml, node: Node | undefined): { line?: number; column?: number } {
  const offset = node?.range?.[0];
  if (offset === undefined) return {};
  const { line, col } = parsed.lines.linePos(offset);
  return { line, column: col };
}

export function dotted(path: Array<string | number>): string {
  return path.map((key) => String(key)).join('.');
}

export function formatConfigError(error: ConfigError): string {
  const where = [error.file, error.line, error.column].filter((part) => part !== undefined).join(':');
  return `${where}: ${error.message}`;
}
