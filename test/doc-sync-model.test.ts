import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { applyAllowList, parseDocument } from '../app/checks/doc-sync/document.js';
import { fileDrift } from '../app/checks/doc-sync/drift.js';
import { matchSections } from '../app/checks/doc-sync/match.js';
import { formatWordDiff, wordDiff } from '../app/checks/doc-sync/word-diff.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/doc-sync/${name}`, import.meta.url), 'utf8');
const AGENTS = fixture('AGENTS.md');

function score(canonicalText: string, otherText: string, allow: string[] = []): number {
  const canonical = parseDocument('AGENTS.md', canonicalText);
  const other = parseDocument('CLAUDE.md', otherText);
  applyAllowList(other, allow);
  return fileDrift(canonical, other).score;
}

const crlf = (text: string) => text.replace(/\n/g, '\r\n');

describe('doc-sync model: drift scores of known fixtures', () => {
  it.each([
    ['identical files', 'AGENTS.md', 0],
    ['sections in another order', 'reordered.md', 0],
    ['other list markers, emphasis markers, reference links and spacing', 'formatting-only.md', 0],
    ['one changed bullet in a 2 KB file', 'changed-bullet.md', 0.024],
    ['a missing section', 'missing-section.md', 0.0788],
    ['a renamed heading', 'renamed-heading.md', 0.0165],
  ])('%s', (_name, file, expected) => {
    expect(score(AGENTS, fixture(file))).toBeCloseTo(expected, 4);
  });

  it('does not count a declared local section or a local region', () => {
    const gemini = fixture('local-section.md');
    expect(score(AGENTS, gemini, ['Gemini CLI'])).toBe(0);
    // Undeclared, the Gemini section is content only GEMINI.md has.
    expect(score(AGENTS, gemini)).toBeGreaterThan(0.05);
  });

  it('scores CRLF files like LF files', () => {
    expect(score(crlf(AGENTS), AGENTS)).toBe(0);
    expect(score(crlf(AGENTS), crlf(fixture('changed-bullet.md')))).toBeCloseTo(0.024, 4);
    const doc = parseDocument('AGENTS.md', crlf(AGENTS));
    expect(doc.sections.map((section) => [section.title, section.startLine])).toEqual(
      parseDocument('AGENTS.md', AGENTS).sections.map((section) => [section.title, section.startLine]),
    );
  });

  it('counts a rename as one changed section, not a deleted and an added one', () => {
    const match = matchSections(parseDocument('AGENTS.md', AGENTS), parseDocument('CLAUDE.md', fixture('renamed-heading.md')));
    expect(match.onlyLeft).toEqual([]);
    expect(match.onlyRight).toEqual([]);
    expect(match.pairs.filter((pair) => pair.renamed).map((pair) => [pair.left.title, pair.right.title])).toEqual([
      ['Project instructions > Code style', 'Project instructions > Coding conventions'],
    ]);
  });

  it('compares code blocks exactly', () => {
    const changed = AGENTS.replace('npm run typecheck', 'npm  run typecheck');
    expect(score(AGENTS, changed)).toBeGreaterThan(0);
  });
});

describe('doc-sync model: sections', () => {
  it('keys sections by heading path, Unicode headings included', () => {
    const doc = parseDocument('AGENTS.md', '# Règles du projet\n\n## Tests unitaires 🧪\n\nLancer `npm test`.\n\n## 日本語の見出し\n\n- 一つ目\n');
    expect(doc.sections.map((section) => section.key)).toEqual(['règles du projet', 'règles du projet > tests unitaires 🧪', 'règles du projet > 日本語の見出し']);
    const other = parseDocument('CLAUDE.md', '# RÈGLES DU PROJET\n\n## 日本語の見出し\n\n* 一つ目\n\n## Tests unitaires 🧪\n\nLancer `npm test`.\n');
    expect(fileDrift(doc, other).score).toBe(0);
  });

  it('treats a file without headings as one section, and an empty file as an empty one', () => {
    const plain = parseDocument('.cursorrules', 'Always run the tests.\nNever push to main.\n');
    expect(plain.sections).toHaveLength(1);
    expect(plain.sections[0]?.title).toBe('(text before the first heading)');
    expect(plain.sections[0]?.tokens).toEqual(['Always', 'run', 'the', 'tests.', 'Never', 'push', 'to', 'main.']);
    const empty = parseDocument('.windsurfrules', '');
    expect(empty.sections).toHaveLength(1);
    expect(empty.sections[0]?.size).toBe(0);
    expect(fileDrift(empty, parseDocument('x', '')).score).toBe(0);
  });

  it('tells repeated headings apart by position and reports them', () => {
    const doc = parseDocument('AGENTS.md', '# A\n\n## Notes\n\none\n\n## Notes\n\ntwo\n');
    expect(doc.sections.map((section) => section.key)).toEqual(['a', 'a > notes', 'a > notes #2']);
    expect(doc.problems).toEqual([{ kind: 'duplicate-heading', line: 7, title: 'A > Notes', firstLine: 3 }]);
  });

  it('reports an unclosed local marker at its line and treats the rest of the file as local', () => {
    const doc = parseDocument('GEMINI.md', '# A\n\ntext\n\n<!-- platform-kit:local -->\nmine\n\n## B\n\nmore\n');
    expect(doc.problems).toEqual([{ kind: 'unclosed-local-marker', line: 5 }]);
    expect(doc.sections.find((section) => section.title === 'A > B')?.local).toBe(true);
    expect(doc.sections[0]?.tokens).toEqual(['#', 'a', 'text']);
  });

  it('parses a large file in chunks without changing its sections or links', () => {
    const body = Array.from({ length: 500 }, (_, i) => `## Rule ${i}\n\nSee [the guide][guide] for rule ${i}.\n\n\`\`\`md\n# not a heading ${i}\n\`\`\`\n`).join('\n');
    const doc = parseDocument('AGENTS.md', `---\n# a YAML comment\nglobs: "*"\n---\n# Rules\n\n${body}\n[guide]: https://example.com/guide\n`);
    expect(doc.text.length).toBeGreaterThan(2 * 16 * 1024 - 1024); // more than one chunk
    expect(doc.sections).toHaveLength(501);
    expect(doc.sections[500]).toMatchObject({ title: 'Rules > Rule 499', startLine: doc.lines.indexOf('## Rule 499') + 1 });
    expect(doc.sections[1]?.tokens).toContain('guide](https://example.com/guide)');
    expect(doc.sections[499]?.tokens).toContain('guide](https://example.com/guide)');
    expect(doc.localRegions[0]).toEqual({ startLine: 1, endLine: 4 });
  });

  it('ignores markers inside code blocks', () => {
    const doc = parseDocument('AGENTS.md', '# A\n\n```md\n<!-- platform-kit:local -->\n```\n');
    expect(doc.problems).toEqual([]);
    expect(doc.localRegions).toEqual([]);
  });
});

describe('doc-sync model: word diff', () => {
  it('shows what changed with a little context', () => {
    const before = 'Install dependencies with npm ci, never with npm install.'.split(' ');
    const after = 'Install dependencies with pnpm install --frozen-lockfile, never with npm install.'.split(' ');
    expect(formatWordDiff(wordDiff(before, after))).toBe('Install dependencies with [-npm ci,-] {+pnpm install --frozen-lockfile,+} never with npm install.');
  });

  it('estimates instead of aligning very large inputs', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `w${i}`);
    const b = Array.from({ length: 3000 }, (_, i) => `w${(i * 7) % 3000}`);
    const diff = wordDiff(a, b);
    expect(diff.parts).toBeUndefined();
    expect(diff.common).toBe(a.reduce((sum, word) => sum + word.length + 1, 0));
  });
});
