import { beforeAll, describe, expect, it } from '@jest/globals';
import { parseSync, scanSync } from 'libpg-query';
import { ensureParser, parseMigration } from '../app/checks/schema-safety/sql/parse.js';
import { scanTokens, scanTokensWithLibrary } from '../app/checks/schema-safety/sql/tokens.js';

beforeAll(async () => {
  await ensureParser();
});

/** Pieces of SQL the splitter handles itself, those it leaves to the scanner, and lexer traps. */
const FRAGMENTS = [
  'select', 'CREATE', 'table', ' ', '\n', '\t', '\r\n', "'a'", "''", "'it''s'", "'a\\'", '"q"', '"a""b"', '""', '"日本"',
  '$$x; y$$', '$t$ $$ $t$', '$_$x$_$', '$', '$1', '$a', '$ab$c', '1', '123', '007', '2147483648', '1.5', '.5', '1e3', '1_000', '0x1f', '1..2',
  'a', 'é', 'café', '_x$1', 'x$', 'e', "e'x'", "E'\\n'", "b'101'", "x'ff'", "n'z'", "u&'x'", 'U&"x"', 'u&x', "ab'c'",
  '-- c\n', '-- c\r', '--', '/* c */', '/* a /* b */ c */', '/*', '*/', '+/* c */', '+--c\n',
  '+', '-', '*', '/', '%', '^', '<', '>', '=', '<=', '>=', '<>', '!=', '=>', '::', ':=', ':', '..', '.', ',', '(', ')', '[', ']', ';',
  '~', '!', '@', '#', '&', '|', '`', '?', '@-', '*-', '+-', '-+', '<=-', '!=-', '||', '->>', '#>>', '?|', '{', '}', '\\',
  'not', 'NULLS', 'with', 'int', 'time zone', '\u00a0', '\u2028', '\v', '\f', '\x01', '\0', '\ud83d\ude00', '\ud83d', "'a'\n'b'", "'a' 'b'", "'a'\n-- c\n'b'",
];

/** mulberry32: the same cases on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fragmentSoup(next: () => number, count: number): string[] {
  const texts: string[] = [];
  for (let index = 0; index < count; index += 1) {
    let text = '';
    const length = 1 + Math.floor(next() * 10);
    for (let part = 0; part < length; part += 1) text += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)] ?? '';
    texts.push(text);
  }
  return texts;
}

describe('scanTokens', () => {
  it('splits migration SQL as libpg-query scans it: offsets, texts, token names and keyword kinds', () => {
    const sql = [
      'create table if not exists public."Orders" (id bigint generated always as identity primary key, note text default \'it\'\'s\');',
      "create policy \"own rows\" on public.orders for select to authenticated using ((select auth.uid()) = user_id);",
      'create function f() returns trigger language plpgsql as $body$ begin new.x := 1; return new; end $body$;',
      'alter table public.orders add column total numeric(12, 2) not null default 0, drop column if exists legacy; -- note',
      "comment on column public.orders.note is 'café ☕'; /* a /* nested */ comment */ select a::int, b->>'k', c <= -1 from t;",
    ].join('\n');
    const tokens = scanTokens(sql);
    expect(tokens).toEqual(scanTokensWithLibrary(sql));
    expect(tokens.find((token) => token.text === '"Orders"')).toMatchObject({ tokenName: 'IDENT', keywordKind: 0 });
    expect(tokens.find((token) => token.text === 'create')?.keywordKind).toBeGreaterThan(0);
  });

  it('agrees with the scanner on lexer corner cases, including texts the scanner rejects', () => {
    const texts = [...FRAGMENTS, ...fragmentSoup(random(20240301), 4000)];
    const mismatches = texts.filter((text) => JSON.stringify(scanTokens(text)) !== JSON.stringify(scanTokensWithLibrary(text)));
    expect(mismatches).toEqual([]);
  });

  it('gives no tokens for text the scanner rejects', () => {
    expect(scanTokens("select 'unterminated")).toEqual([]);
    expect(scanTokens('select 1 -- form\ffeed')).toEqual([]);
  });
});

describe('parseMigration statement positions', () => {
  /** The scanner's first token at or after each statement's location (ASCII text: bytes are characters). */
  function scannerStarts(text: string): number[] {
    const { tokens } = scanSync(text);
    const { stmts = [] } = parseSync(text) as { stmts?: Array<{ stmt_location?: number }> };
    return stmts.map((stmt) => {
      const first = tokens.find((token) => token.start >= (stmt.stmt_location ?? 0) && token.tokenName !== 'SQL_COMMENT' && token.tokenName !== 'C_COMMENT');
      return first?.start ?? -1;
    });
  }

  it('starts each statement at its first token after blanks and comments, as the scanner sees them', () => {
    const next = random(7);
    const gaps = [' ', '\n', '\r\n', '\t', '\v', '-- c\n', '-- c\r', '/* c */', '/* a /* b */ c */', '/*-- x */', '--/* x\n', '\n\n  '];
    const statements = ['select 1', 'create table a (id int)', "insert into a values (1, 'x;y')", 'create function f() returns int language sql as $$ select 1; $$', 'alter table a add column b text'];
    for (let index = 0; index < 300; index += 1) {
      let text = '';
      const count = 1 + Math.floor(next() * 4);
      for (let part = 0; part < count; part += 1) {
        text += (gaps[Math.floor(next() * gaps.length)] ?? '') + (gaps[Math.floor(next() * gaps.length)] ?? '') + (statements[Math.floor(next() * statements.length)] ?? '') + ';';
      }
      const file = parseMigration('x.sql', text);
      expect(file.syntaxError).toBeUndefined();
      expect(file.statements.map((statement) => statement.start)).toEqual(scannerStarts(text));
    }
  });
});
