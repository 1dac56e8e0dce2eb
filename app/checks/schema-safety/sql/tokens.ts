import { scanSync } from 'libpg-query';

/** A token of SQL text (comments left out), at character offsets in that text. */
export interface SqlToken {
  start: number;
  end: number;
  text: string;
  /** libpg-query's token name: `IDENT`, `SCONST`, `ICONST`, `ASCII_44` (`,`), `UNKNOWN` (keywords, most operators), ... */
  tokenName: string;
  /** 0 for no keyword; 1 unreserved, 2 column name, 3 type or function name, 4 reserved. */
  keywordKind: number;
}

/**
 * The tokens libpg-query's scanner finds in `text`, comments left out; empty when it rejects the
 * text. The scanner's JSON costs about 4 µs a token, so the common shapes of SQL (words, quoted
 * names, strings, dollar-quoted bodies, integers, operators) are split here, each distinct word or
 * operator classified once by the scanner itself; anything else goes to the scanner whole.
 */
export function scanTokens(text: string): SqlToken[] {
  return splitTokens(text) ?? scanTokensWithLibrary(text);
}

/** The same as scanTokens, from the scanner alone. */
export function scanTokensWithLibrary(text: string): SqlToken[] {
  let scanned;
  try {
    scanned = scanSync(text).tokens;
  } catch {
    return [];
  }
  const bytes = NON_ASCII.test(text) ? Buffer.from(text, 'utf8') : undefined;
  const charAt = (byte: number): number => (bytes ? bytes.subarray(0, byte).toString('utf8').length : byte);
  const tokens: SqlToken[] = [];
  for (const token of scanned) {
    if (token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT') continue;
    tokens.push({ start: charAt(token.start), end: charAt(token.end), text: token.text, tokenName: token.tokenName, keywordKind: token.keywordKind });
  }
  return tokens;
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

interface Classification {
  tokenName: string;
  keywordKind: number;
}

/** Words and operators as the scanner classifies them alone: a keyword is one whatever surrounds it. */
const classified = new Map<string, Classification | null>();
const MAX_CLASSIFIED = 20_000;

function classify(text: string): Classification | null {
  let known = classified.get(text);
  if (known !== undefined) return known;
  known = null;
  try {
    const [token, ...rest] = scanSync(text).tokens;
    if (token && rest.length === 0 && token.start === 0 && token.text === text) known = { tokenName: token.tokenName, keywordKind: token.keywordKind };
  } catch {
    known = null;
  }
  if (classified.size >= MAX_CLASSIFIED) classified.clear();
  classified.set(text, known);
  return known;
}

/** The character code at `index`, or -1 past the end (charCodeAt's NaN there sends compiled code back to the interpreter). */
const codeAt = (text: string, index: number): number => (index < text.length ? text.charCodeAt(index) : -1);
const isSpace = (code: number): boolean => code === 32 || (code >= 9 && code <= 13);
const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isIdentStart = (code: number): boolean => (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code >= 128;
const isIdentCont = (code: number): boolean => isIdentStart(code) || isDigit(code) || code === 36;
/** PostgreSQL's op_chars: ~ ! @ # ^ & | ` ? + - * / % < > = */
const isOpChar = (code: number): boolean =>
  code === 126 || code === 33 || code === 64 || code === 35 || code === 94 || code === 38 || code === 124 || code === 96 || code === 63 || code === 43 || code === 45 || code === 42 || code === 47 || code === 37 || code === 60 || code === 62 || code === 61;
/** Characters that keep a trailing `+` / `-` on an operator: ~ ! @ # ^ & | ` ? % */
const keepsTrailingSign = (code: number): boolean => code === 126 || code === 33 || code === 64 || code === 35 || code === 94 || code === 38 || code === 124 || code === 96 || code === 63 || code === 37;

/** Index after the comment starting at `at` (`--` or `/*`, nested), or -1 when a block comment is not closed. */
function skipComment(text: string, at: number): number {
  if (codeAt(text, at) === 45) {
    let index = at + 2;
    while (index < text.length && codeAt(text, index) !== 10 && codeAt(text, index) !== 13) index += 1;
    return index;
  }
  let depth = 1;
  let index = at + 2;
  while (index < text.length) {
    const code = codeAt(text, index);
    if (code === 47 && codeAt(text, index + 1) === 42) {
      depth += 1;
      index += 2;
    } else if (code === 42 && codeAt(text, index + 1) === 47) {
      depth -= 1;
      index += 2;
      if (depth === 0) return index;
    } else {
      index += 1;
    }
  }
  return -1;
}

const startsComment = (text: string, at: number): boolean => {
  const code = codeAt(text, at);
  const next = codeAt(text, at + 1);
  return (code === 45 && next === 45) || (code === 47 && next === 42);
};

/** The next character that is not blank or in a comment (-1 at the end, or inside an unclosed comment). */
function nextSignificant(text: string, from: number): number {
  let index = from;
  while (index < text.length) {
    if (isSpace(codeAt(text, index))) index += 1;
    else if (startsComment(text, index)) {
      index = skipComment(text, index);
      if (index < 0) return -1;
    } else return codeAt(text, index);
  }
  return -1;
}

// eslint-disable-next-line no-control-regex
const UNSCANNABLE = /[\x00-\x08\x0b\x0c\x0e-\x1f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/y;

/**
 * Splits `text` the way PostgreSQL's lexer (scan.l) does, or gives up (undefined) on anything it
 * does not split the same way for certain: escape and Unicode strings, numbers other than small
 * integers, parameters, adjacent string literals (which may continue one another), lexer errors.
 */
function splitTokens(text: string): SqlToken[] | undefined {
  // The scanner reads a C string (it stops at NUL) of UTF-8 (a lone surrogate becomes U+FFFD), and
  // its JSON leaves control characters other than tab and line breaks unescaped (so it fails).
  if (UNSCANNABLE.test(text)) return undefined;
  const tokens: SqlToken[] = [];
  let at = 0;
  while (at < text.length) {
    const code = codeAt(text, at);
    if (isSpace(code)) {
      at += 1;
      continue;
    }
    if (startsComment(text, at)) {
      at = skipComment(text, at);
      if (at < 0) return undefined;
      continue;
    }
    const start = at;
    let tokenName: string;
    let keywordKind = 0;
    if (isIdentStart(code)) {
      at += 1;
      while (at < text.length && isIdentCont(codeAt(text, at))) at += 1;
      const next = codeAt(text, at);
      // b'..', e'..', n'..', x'..' and u&'..' / u&".." are other kinds of literal.
      if (at - start === 1 && ((next === 39 && 'bBeEnNxX'.includes(text[start]!)) || (next === 38 && (code === 117 || code === 85)))) return undefined;
      const known = classify(text.slice(start, at));
      if (!known) return undefined;
      tokenName = known.tokenName;
      keywordKind = known.keywordKind;
    } else if (code === 34) {
      // "quoted identifier", "" inside for a quote
      at += 1;
      for (;;) {
        const close = text.indexOf('"', at);
        if (close < 0) return undefined;
        at = close + 1;
        if (codeAt(text, at) !== 34) break;
        at += 1;
      }
      if (at - start === 2) return undefined;
      tokenName = 'IDENT';
    } else if (code === 39) {
      // 'string', '' inside for a quote (backslashes are literal: standard_conforming_strings)
      at += 1;
      for (;;) {
        const close = text.indexOf("'", at);
        if (close < 0) return undefined;
        at = close + 1;
        if (codeAt(text, at) !== 39) break;
        at += 1;
      }
      // A string followed (across a line break) by another one continues it.
      if (nextSignificant(text, at) === 39) return undefined;
      tokenName = 'SCONST';
    } else if (code === 36) {
      DOLLAR_TAG.lastIndex = at;
      const tag = DOLLAR_TAG.exec(text);
      if (!tag) return undefined;
      const close = text.indexOf(tag[0], at + tag[0].length);
      if (close < 0) return undefined;
      at = close + tag[0].length;
      tokenName = 'SCONST';
    } else if (isDigit(code)) {
      at += 1;
      while (at < text.length && isDigit(codeAt(text, at))) at += 1;
      const next = codeAt(text, at);
      // Decimals, exponents, 1_000, 0x1F, trailing junk, and integers past int4 (which scan as FCONST).
      if (at - start > 9 || next === 46 || next === 36 || isIdentStart(next)) return undefined;
      tokenName = 'ICONST';
    } else if (isOpChar(code)) {
      while (at < text.length && isOpChar(codeAt(text, at))) at += 1;
      // As scan.l: an operator ends where a comment starts, and loses trailing + and - unless it holds ~ ! @ # ^ & | ` ? %.
      let end = at;
      for (let index = start + 1; index < at - 1; index += 1) {
        if (startsComment(text, index)) {
          end = index;
          break;
        }
      }
      const last = codeAt(text, end - 1);
      if (end - start > 1 && (last === 43 || last === 45)) {
        let keeps = false;
        for (let index = start; index < end - 1; index += 1) if (keepsTrailingSign(codeAt(text, index))) keeps = true;
        if (!keeps) {
          do end -= 1;
          while (end - start > 1 && (codeAt(text, end - 1) === 43 || codeAt(text, end - 1) === 45));
        }
      }
      at = end;
      const known = classify(text.slice(start, at));
      if (!known) return undefined;
      tokenName = known.tokenName;
    } else if (code === 44 || code === 40 || code === 41 || code === 91 || code === 93 || code === 59 || code === 58 || code === 46) {
      // , ( ) [ ] ; and : :: := and . ..
      const next = codeAt(text, at + 1);
      if (code === 46 && isDigit(next)) return undefined;
      at += (code === 58 && (next === 58 || next === 61)) || (code === 46 && next === 46) ? 2 : 1;
      const known = classify(text.slice(start, at));
      if (!known) return undefined;
      tokenName = known.tokenName;
    } else {
      return undefined;
    }
    tokens.push({ start, end: at, text: text.slice(start, at), tokenName, keywordKind });
  }
  return tokens;
}
