import { describe, expect, it } from '@jest/globals';
import { bundleOfPath } from '../app/checks/spec-bundle/bundles.js';
import { branchOf } from '../app/checks/spec-bundle/links.js';
import { headingMatches, normalizeHeading, parseMarkdown } from '../app/checks/spec-bundle/markdown.js';
import { DEFAULT_LAYOUTS } from '../app/checks/spec-bundle/options.js';
import { parseReference, specLines, waiverReason } from '../app/checks/spec-bundle/pr-body.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';

const ROOTS = ['spec', 'specs'];

describe('PR body: Spec lines', () => {
  it('finds Spec lines with their body line, in any case and markup', () => {
    const body = ['Intro', '', 'spec: spec/a', '- **Spec:** `spec/b`', '> Specs: specs/001-c, specs/002-d', 'Not a Spec: line', '*Spec:* spec/e'].join('\n');
    expect(specLines(body)).toEqual([
      { line: 3, value: 'spec/a' },
      { line: 4, value: '`spec/b`' },
      { line: 5, value: 'specs/001-c, specs/002-d' },
      { line: 7, value: 'spec/e' },
    ]);
  });

  it('treats a missing body as empty', () => {
    expect(specLines(null)).toEqual([]);
    expect(waiverReason(null, 'no-spec')).toBeUndefined();
  });

  it('skips empty and "none" values and template placeholders', () => {
    expect(specLines('Spec:\nSpec: none\nSpec: N/A\nSpec: <spec/feature>\nSpec: -')).toEqual([]);
  });

  it('keeps line numbers across removed HTML comments, CRLF included', () => {
    expect(specLines('<!-- template\nSpec: spec/x\n-->\r\nSpec: spec/y')).toEqual([{ line: 4, value: 'spec/y' }]);
  });
});

describe('PR body: references', () => {
  it.each([
    ['spec/checkout', [{ root: 'spec', feature: 'checkout' }]],
    ['./spec/checkout/', [{ root: 'spec', feature: 'checkout' }]],
    ['spec/checkout/prd.md', [{ root: 'spec', feature: 'checkout' }]],
    ['`spec/checkout`.', [{ root: 'spec', feature: 'checkout' }]],
    ['specs/001-checkout', [{ root: 'specs', feature: '001-checkout' }]],
    ['specs/001-a, specs/002-b', [{ root: 'specs', feature: '001-a' }, { root: 'specs', feature: '002-b' }]],
    ['https://github.com/acme/shop/blob/main/spec/checkout/prd.md', [{ root: 'spec', feature: 'checkout' }]],
  ])('reads %s', (value, paths) => {
    expect(parseReference(value, ROOTS)).toEqual({ paths });
  });

  it('prefers the deeper of nested roots', () => {
    expect(parseReference('docs/spec/auth', ['spec', 'docs/spec'])).toEqual({ paths: [{ root: 'docs/spec', feature: 'auth' }] });
  });

  it('does not read a root inside a longer word', () => {
    expect(parseReference('myspec/checkout', ROOTS)).toEqual({ paths: [] });
  });

  it('reads a single word as a bare feature name', () => {
    expect(parseReference('`checkout`', ROOTS)).toEqual({ paths: [], bare: 'checkout' });
    expect(parseReference('the checkout spec', ROOTS)).toEqual({ paths: [] });
  });
});

describe('PR body: waiver reason', () => {
  it('reads the reason named after the waiver label, or a plain Reason line', () => {
    expect(waiverReason('x\nNo-spec reason: typo fixes', 'no-spec')).toEqual({ line: 2, reason: 'typo fixes' });
    expect(waiverReason('- **No spec reason:** typo fixes', 'no-spec')).toEqual({ line: 1, reason: 'typo fixes' });
    expect(waiverReason('Reason: typo fixes', 'no-spec')).toEqual({ line: 1, reason: 'typo fixes' });
    expect(waiverReason('Skip_spec reason: bump', 'skip-spec')).toEqual({ line: 1, reason: 'bump' });
  });

  it('needs words in the reason', () => {
    expect(waiverReason('No-spec reason: <why>', 'no-spec')).toBeUndefined();
    expect(waiverReason('No-spec reason: ...', 'no-spec')).toBeUndefined();
    expect(waiverReason('Other reason: x', 'no-spec')).toBeUndefined();
  });
});

describe('Markdown', () => {
  it('reads frontmatter, headings and the first task line', () => {
    const markdown = parseMarkdown('---\ntitle: A\n---\n\n# One\n\n## Two *(mandatory)*\n\nText\n\n- plain\n- [ ] task\n');
    expect(markdown.frontmatter).toEqual({ startLine: 1, endLine: 3, yaml: 'title: A' });
    expect(markdown.headings).toEqual([
      { text: 'One', withoutNotes: 'One', line: 5 },
      { text: 'Two (mandatory)', withoutNotes: 'Two', line: 7 },
    ]);
    expect(markdown.firstTaskLine).toBe(12);
    expect(markdown.bodyLine).toBe(4);
    expect(markdown.unclosedFrontmatter).toBe(false);
  });

  it('points the body line at a line that exists', () => {
    expect(parseMarkdown('---\ntitle: A\n---').bodyLine).toBe(3);
    expect(parseMarkdown('---\ntitle: A\n---\n').bodyLine).toBe(3);
    expect(parseMarkdown('---\ntitle: A\n---\n\nText\n').bodyLine).toBe(4);
    expect(parseMarkdown('# Title\n').bodyLine).toBe(1);
  });

  it('tells unclosed frontmatter from a file without any', () => {
    expect(parseMarkdown('---\ntitle: A\n\n# One\n').unclosedFrontmatter).toBe(true);
    expect(parseMarkdown('# One\n\n---\n\nTwo\n').unclosedFrontmatter).toBe(false);
  });

  it('normalizes headings for comparison', () => {
    expect(normalizeHeading('  2.1 Goals:  ')).toBe('goals');
    expect(normalizeHeading('Requirements *(mandatory)*')).toBe('requirements');
    expect(normalizeHeading('User Scenarios  &  Testing')).toBe('user scenarios & testing');
    const heading = { text: 'Goals (v1)', withoutNotes: 'Goals (v1)', line: 1 };
    expect(headingMatches(heading, 'Goals')).toBe(true);
    expect(headingMatches(heading, 'Goals (v1)')).toBe(true);
    expect(headingMatches(heading, 'Non-goals')).toBe(false);
  });
});

describe('bundles and branches', () => {
  it('maps a path to its bundle folder', () => {
    expect(bundleOfPath('spec/checkout/prd.md', DEFAULT_LAYOUTS)?.dir).toBe('spec/checkout');
    expect(bundleOfPath('specs/001-x/contracts/api.yaml', DEFAULT_LAYOUTS)?.dir).toBe('specs/001-x');
    expect(bundleOfPath('spec/README.md', DEFAULT_LAYOUTS)).toBeUndefined();
    expect(bundleOfPath('docs/spec/x/a.md', DEFAULT_LAYOUTS)).toBeUndefined();
    expect(bundleOfPath('.specify/memory/constitution.md', DEFAULT_LAYOUTS)).toBeUndefined();
  });

  it.each([
    ['feature/checkout', 'feature/checkout'],
    ['refs/heads/checkout', 'checkout'],
    ['refs/remotes/origin/checkout', 'checkout'],
    ['HEAD', undefined],
    ['HEAD~2', undefined],
    ['a94a8fe5ccb19ba61c4c0873d391e987982fbbd3', undefined],
    ['refs/tags/v1.2.0', undefined],
    ['refs/pull/12/merge', undefined],
  ])('reads the branch of head ref %s as %s', (headRef, branch) => {
    expect(branchOf(memoryChangeSet({ base: {}, head: {}, headRef }))).toBe(branch);
  });

  it('prefers the PR head branch', () => {
    expect(branchOf(memoryChangeSet({ base: {}, head: {}, headRef: 'abc1234', pullRequest: { headBranch: 'x/y' } }))).toBe('x/y');
  });
});
