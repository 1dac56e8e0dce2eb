/**
 * A strict JSON reader for config artifacts. JSON.parse accepts duplicate keys (the last one wins,
 * silently hiding the others) and reports positions as offsets; this reader rejects duplicates,
 * reports line and column, refuses documents over a size limit before parsing them, and remembers
 * where every value starts so later validation errors can name the line of a JSON pointer.
 */
import { ConfigValidationError } from './errors.js';

/** One RFC 6901 segment appended to a pointer. */
function child(pointer: string, key: string | number): string {
  const segment = String(key);
  return `${pointer}/${segment.includes('~') || segment.includes('/') ? segment.replace(/~/g, '~0').replace(/\//g, '~1') : segment}`;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** 10 MB: far above any real tokens file, well below what would hurt the runner. */
export const DEFAULT_MAX_JSON_BYTES = 10 * 1024 * 1024;

export interface Position {
  line: number;
  column: number;
}

export interface ParsedJson {
  file: string;
  value: JsonValue;
  /** JSON pointer → where its value starts. */
  positions: Map<string, Position>;
}

export interface ReadJsonOptions {
  maxBytes?: number;
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB (${bytes} bytes)` : `${bytes} bytes`;
}

class Parser {
  private index = 0;
  private line = 1;
  private lineStart = 0;
  readonly positions = new Map<string, Position>();

  constructor(
    private readonly file: string,
    private readonly text: string,
  ) {}

  parse(): JsonValue {
    this.skipWhitespace();
    const value = this.value('');
    this.skipWhitespace();
    if (this.index < this.text.length) this.fail('unexpected content after the JSON value', '');
    return value;
  }

  private position(): Position {
    return { line: this.line, column: this.index - this.lineStart + 1 };
  }

  private fail(message: string, pointer: string, at: Position = this.position()): never {
    throw new ConfigValidationError([{ file: this.file, pointer, line: at.line, column: at.column, message }]);
  }

  private describe(): string {
    if (this.index >= this.text.length) return 'end of input';
    return JSON.stringify(this.text[this.index]);
  }

  private skipWhitespace(): void {
    const text = this.text;
    while (this.index < text.length) {
      const char = text.charCodeAt(this.index);
      if (char === 0x0a) {
        this.index++;
        this.line++;
        this.lineStart = this.index;
      } else if (char === 0x20 || char === 0x09 || char === 0x0d) {
        this.index++;
      } else {
        break;
      }
    }
  }

  private value(pointer: string): JsonValue {
    this.positions.set(pointer, this.position());
    const char = this.text[this.index];
    if (char === '{') return this.object(pointer);
    if (char === '[') return this.array(pointer);
    if (char === '"') return this.string(pointer);
    if (char === 't') return this.literal('true', true, pointer);
    if (char === 'f') return this.literal('false', false, pointer);
    if (char === 'n') return this.literal('null', null, pointer);
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.number(pointer);
    return this.fail(`unexpected ${this.describe()}, expected a JSON value`, pointer);
  }

  private literal<T extends JsonValue>(word: string, value: T, pointer: string): T {
    if (this.text.startsWith(word, this.index)) {
      this.index += word.length;
      return value;
    }
    return this.fail(`unexpected ${this.describe()}, expected a JSON value`, pointer);
  }

  private number(pointer: string): number {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.index, this.index + 400));
    if (!match) return this.fail('invalid number', pointer);
    this.index += match[0].length;
    const value = Number(match[0]);
    if (!Number.isFinite(value)) return this.fail(`number ${match[0]} is out of range`, pointer);
    return value;
  }

  private string(pointer: string): string {
    const start = this.position();
    this.index++;
    let out = '';
    let chunkStart = this.index;
    const text = this.text;
    for (;;) {
      if (this.index >= text.length) return this.fail('unterminated string', pointer, start);
      const code = text.charCodeAt(this.index);
      if (code === 0x22) {
        out += text.slice(chunkStart, this.index);
        this.index++;
        return out;
      }
      if (code < 0x20) return this.fail('control character in a string (escape it)', pointer);
      if (code === 0x5c) {
        out += text.slice(chunkStart, this.index);
        const escape = text[this.index + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (escape !== undefined && escape in simple) {
          out += simple[escape];
          this.index += 2;
        } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(this.index + 2, this.index + 6))) {
          out += String.fromCharCode(parseInt(text.slice(this.index + 2, this.index + 6), 16));
          this.index += 6;
        } else {
          return this.fail(`invalid escape \\${escape ?? ''} in a string`, pointer);
        }
        chunkStart = this.index;
        continue;
      }
      this.index++;
    }
  }

  private expect(char: string, what: string, pointer: string): void {
    this.skipWhitespace();
    if (this.text[this.index] !== char) this.fail(`unexpected ${this.describe()}, expected ${what}`, pointer);
    this.index++;
  }

  private object(pointer: string): { [key: string]: JsonValue } {
    this.index++;
    const out: { [key: string]: JsonValue } = {};
    const seen = new Set<string>();
    this.skipWhitespace();
    if (this.text[this.index] === '}') {
      this.index++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.index] !== '"') this.fail(`unexpected ${this.describe()}, expected a property name in double quotes`, pointer);
      const keyAt = this.position();
      const key = this.string(pointer);
      if (seen.has(key)) this.fail(`duplicate key ${JSON.stringify(key)} (a later value would hide the earlier one)`, child(pointer, key), keyAt);
      seen.add(key);
      this.expect(':', '":"', pointer);
      this.skipWhitespace();
      const value = this.value(child(pointer, key));
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWhitespace();
      const next = this.text[this.index];
      if (next === ',') {
        this.index++;
        continue;
      }
      if (next === '}') {
        this.index++;
        return out;
      }
      this.fail(`unexpected ${this.describe()}, expected "," or "}"`, pointer);
    }
  }

  private array(pointer: string): JsonValue[] {
    this.index++;
    const out: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.index] === ']') {
      this.index++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.value(child(pointer, out.length)));
      this.skipWhitespace();
      const next = this.text[this.index];
      if (next === ',') {
        this.index++;
        continue;
      }
      if (next === ']') {
        this.index++;
        return out;
      }
      this.fail(`unexpected ${this.describe()}, expected "," or "]"`, pointer);
    }
  }
}

/** Parses JSON text strictly; throws ConfigValidationError with file, line and column. */
export function parseStrictJson(file: string, text: string | Buffer, options: ReadJsonOptions = {}): ParsedJson {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  const bytes = typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.length;
  if (bytes > maxBytes) {
    throw new ConfigValidationError([{ file, pointer: '', message: `file is ${formatBytes(bytes)}; the limit is ${formatBytes(maxBytes)}` }]);
  }
  let source = typeof text === 'string' ? text : text.toString('utf8');
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  const parser = new Parser(file, source);
  const value = parser.parse();
  return { file, value, positions: parser.positions };
}
