import { describe, expect, it } from '@jest/globals';
import {
  checkRunOutput,
  CHECK_RUN_TEXT_LIMIT,
  chunkAnnotations,
  COMMENT_LIMIT,
  formatJson,
  formatText,
  isStickyComment,
  renderComment,
  STICKY_MARKER,
  type Annotation,
} from '../app/report/index.js';
import { clipUtf16, clipUtf8, fitWithinBudget, moreFindingsLine } from '../app/report/common.js';
import { finding, LONE_SURROGATE, manyFindings, moreCount, result } from './report-helpers.js';

function listItems(markdown: string): number {
  return markdown.split('\n').filter((line) => line.startsWith('- ')).length;
}

describe('checkRunOutput', () => {
  it('names the run after the check and titles it with the counts', () => {
    const output = checkRunOutput(
      result([finding(), finding({ startLine: 9 }), finding({ severity: 'warning', ruleId: 'frontmatter' })]),
    );
    expect(output.name).toBe('platform-kit/spec-bundle');
    expect(output.conclusion).toBe('failure');
    expect(output.title).toBe('2 errors, 1 warning');
    expect(checkRunOutput(result([])).title).toBe('No problems found');
    expect(checkRunOutput(result([finding({ severity: 'notice' })])).title).toBe('1 notice');
  });

  it('maps severities to annotation levels, most severe first', () => {
    const output = checkRunOutput(
      result([finding({ severity: 'notice' }), finding({ severity: 'warning' }), finding({ severity: 'error' })]),
    );
    expect(output.annotations.map((a) => a.annotation_level)).toEqual(['failure', 'warning', 'notice']);
  });

  it('builds annotations GitHub accepts: line 1 when missing, columns only on one line, title ≤ 255', () => {
    const output = checkRunOutput(
      result([
        finding({ startLine: undefined, endLine: undefined, startColumn: 4 }),
        finding({ startLine: 5, endLine: 5, startColumn: 2, endColumn: 9, suggestion: 'fixed line' }),
        finding({ startLine: 5, endLine: 8, startColumn: 2, endColumn: 9 }),
        finding({ startLine: 7, endLine: 2, title: 'T'.repeat(400) }),
      ]),
    );
    const [noLine, oneLine, multiLine, backwards] = output.annotations as [Annotation, Annotation, Annotation, Annotation];
    expect(noLine).toMatchObject({ path: 'spec/login/plan.md', start_line: 1, end_line: 1, start_column: 4, end_column: 4 });
    expect(oneLine).toMatchObject({ start_line: 5, end_line: 5, start_column: 2, end_column: 9 });
    expect(oneLine.raw_details).toContain('Suggested replacement:\nfixed line');
    expect(oneLine.raw_details).toContain('Docs: https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/required-file.md');
    expect(multiLine).not.toHaveProperty('start_column');
    expect(multiLine).not.toHaveProperty('end_column');
    expect(backwards).toMatchObject({ start_line: 7, end_line: 7 });
    expect(backwards.title?.length).toBeLessThanOrEqual(255);
    expect(backwards.title).toMatch(/\(spec-bundle\/required-file\)$/);
  });

  it('keeps findings without a path out of the annotations and in the summary', () => {
    const output = checkRunOutput(
      result([
        finding({ path: undefined, startLine: undefined, ruleId: 'link-spec', title: 'Link a spec bundle', message: 'This PR adds 812 lines.' }),
        finding({ path: '' , ruleId: 'empty-path', title: 'Empty path' }),
        finding(),
      ]),
    );
    expect(output.annotations).toHaveLength(1);
    expect(output.annotations.every((a) => a.path.length > 0 && a.start_line >= 1)).toBe(true);
    expect(output.summary).toContain('### About the whole change');
    expect(output.summary).toContain('**Link a spec bundle**: This PR adds 812 lines.');
    expect(output.summary).toContain('**Empty path**');
    expect(output.text).toContain('`spec/login/plan.md:3`');
    expect(output.text).not.toContain('Link a spec bundle');
  });

  it('chunks annotations 50 per request', () => {
    const output = checkRunOutput(result(manyFindings(123)));
    const chunks = chunkAnnotations(output.annotations);
    expect(chunks.map((chunk) => chunk.length)).toEqual([50, 50, 23]);
    expect(chunks.flat()).toEqual(output.annotations);
    expect(chunkAnnotations([])).toEqual([]);
    expect(chunkAnnotations(output.annotations, 100).map((c) => c.length)).toEqual([100, 23]);
    expect(() => chunkAnnotations(output.annotations, 0)).toThrow(/positive integer/);
  });

  it('keeps summary and text within 65,535 UTF-16 units with 5,000 multibyte findings and says how many are left out', () => {
    const findings = [...manyFindings(5_000), ...manyFindings(5_000, { withPath: false })];
    const output = checkRunOutput(result(findings));
    for (const field of [output.summary, output.text]) {
      expect(field.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
      expect(field.length).toBeGreaterThan(50_000);
      expect(field).not.toMatch(LONE_SURROGATE);
    }
    const textOmitted = moreCount(output.text);
    expect(textOmitted).toBeDefined();
    expect(listItems(output.text) + (textOmitted ?? 0)).toBe(5_000);
    const summaryOmitted = moreCount(output.summary);
    expect(listItems(output.summary) + (summaryOmitted ?? 0)).toBe(5_000);
    expect(output.text.trimEnd().split('\n').at(-1)).toMatch(/^… \d+ more findings not shown\.$/);
    // The cut drops the least severe findings first.
    expect(output.text).toContain('**error**');
    expect(output.text).not.toContain('**notice**');
    expect(output.annotations).toHaveLength(5_000);
  });

  it('honours maxFindingsInText and maxAnnotations', () => {
    const output = checkRunOutput(result(manyFindings(30)), { maxFindingsInText: 10, maxAnnotations: 12 });
    expect(listItems(output.text)).toBe(10);
    expect(moreCount(output.text)).toBe(20);
    expect(output.annotations).toHaveLength(12);
    expect(output.annotations.slice(0, 10).every((a) => a.annotation_level === 'failure')).toBe(true);
    expect(output.summary).toContain('12 of 30 findings on files are annotated');
  });

  it('cuts a huge single message without splitting a surrogate pair', () => {
    const message = '🚀'.repeat(100_000);
    const output = checkRunOutput(result([finding({ message }), finding({ path: undefined, message })]));
    expect(output.summary.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
    expect(output.text.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
    expect(output.summary + output.text).not.toMatch(LONE_SURROGATE);
    expect(Buffer.byteLength(output.annotations[0]?.message ?? '', 'utf8')).toBeLessThanOrEqual(64_000);
    expect(output.annotations[0]?.message).not.toMatch(LONE_SURROGATE);
  });
});

describe('renderComment', () => {
  const results = [
    result([
      finding({ suggestion: '## Tasks\n\n- [ ] T001 write the migration', startLine: 12, endLine: 14 }),
      finding({
        severity: 'warning',
        ruleId: 'frontmatter',
        title: 'Frontmatter key missing',
        message: 'Add `owner:`.',
        fix: { kind: 'edit', path: 'spec/login/prd.md', startLine: 1, endLine: 2, replacement: '---\nowner: a\n', description: 'Add the owner key' },
      }),
      finding({ path: undefined, startLine: undefined, endLine: undefined, ruleId: 'link-spec', title: 'Link a spec' }),
    ]),
    result([], { checkId: 'config', title: 'Configuration', conclusion: 'success', summary: 'Config is valid.' }),
  ];

  it('starts with the marker and states the outcome, a table row per check and the findings', () => {
    const body = renderComment(results, {
      headSha: 'abc1234def5678',
      detailsUrl: (checkId) => (checkId === 'spec-bundle' ? 'https://github.com/o/r/runs/1' : undefined),
    });
    expect(body.split('\n')[0]).toBe(STICKY_MARKER);
    expect(isStickyComment(body)).toBe(true);
    expect(body).toContain('## ❌ Platform Kit: failed — 2 errors, 1 warning');
    expect(body).toContain('Results for abc1234def5678 · 2 checks.');
    expect(body).toContain('| [platform-kit/spec-bundle](https://github.com/o/r/runs/1) | ❌ failure | 2 | 1 | 0 |');
    expect(body).toContain('| platform-kit/config | ✅ success | 0 | 0 | 0 |');
    expect(body).toContain('`spec/login/plan.md:12`');
    expect(body).toContain(
      '[`spec-bundle/required-file`](https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/required-file.md)',
    );
    expect(body).toContain('```suggestion\n  ## Tasks\n  \n  - [ ] T001 write the migration\n  ```');
    expect(body).toContain('Fix available: Add the owner key (replaces lines 1–2 of `spec/login/prd.md`)');
    expect(body).toContain('`whole change`');
    // Errors before warnings, and the passing config check gets no section.
    expect(body.indexOf('**error**')).toBeLessThan(body.indexOf('**warning**'));
    expect(body).not.toContain('### ✅ platform-kit/config');
  });

  it('says when everything passed', () => {
    const body = renderComment([result([], { conclusion: 'success' })], { headSha: 'f00' });
    expect(body).toContain('## ✅ Platform Kit: all checks passed');
  });

  it('uses a longer fence when the suggestion holds backticks', () => {
    const body = renderComment([result([finding({ suggestion: 'Use ```sql fences```' })])], { headSha: 'f00' });
    expect(body).toContain('````suggestion\n  Use ```sql fences```\n  ````');
  });

  it('neutralises HTML comments in check text so they cannot hide the rest', () => {
    const body = renderComment([result([finding({ message: 'see <!-- hidden' })])], { headSha: 'f00' });
    expect(body).toContain('see &lt;!-- hidden');
    expect(body.match(/<!--/g)).toHaveLength(1);
  });

  it('stays within 65,536 characters with 5,000 multibyte findings and says how many are left out', () => {
    const body = renderComment(
      [result(manyFindings(2_500)), result(manyFindings(2_500, { withPath: false }), { checkId: 'doc-sync' })],
      { headSha: 'abc' },
    );
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.length).toBeGreaterThan(50_000);
    expect(body).not.toMatch(LONE_SURROGATE);
    const omitted = moreCount(body);
    expect(omitted).toBeGreaterThan(0);
    expect(listItems(body) + (omitted ?? 0)).toBe(5_000);
    expect(body).toMatch(/… \d+ more findings not shown; the check runs list every finding\.$/);
  });

  it('recognises only its own marker at the start', () => {
    expect(isStickyComment(`${STICKY_MARKER}\n## hi`)).toBe(true);
    expect(isStickyComment(`\n  ${STICKY_MARKER}`)).toBe(true);
    expect(isStickyComment(`> ${STICKY_MARKER}`)).toBe(false);
    expect(isStickyComment(`Quoting: ${STICKY_MARKER}`)).toBe(false);
    expect(isStickyComment('<!-- platform-kit:other -->')).toBe(false);
    expect(isStickyComment('')).toBe(false);
  });
});

describe('formatText', () => {
  it('prints path:line:col lines, <change> for whole-change findings, and a tally', () => {
    const text = formatText([
      result(
        [
          finding({ startLine: 12, startColumn: 5, message: 'first line\nsecond line' }),
          finding({ path: undefined, startLine: undefined, ruleId: 'link-spec', message: 'Link a spec.' }),
          finding({ severity: 'warning', path: 'a.md', startLine: undefined, ruleId: 'frontmatter', message: 'No frontmatter.' }),
        ],
        { summary: 'Spec bundle incomplete.' },
      ),
      result([], { checkId: 'config', conclusion: 'success' }),
    ]);
    expect(text.split('\n')).toEqual([
      '<change>: error [spec-bundle/link-spec] Link a spec.',
      'a.md:1:1: warning [spec-bundle/frontmatter] No frontmatter.',
      'spec/login/plan.md:12:5: error [spec-bundle/required-file] first line second line',
      '',
      'spec-bundle: failure — Spec bundle incomplete.',
      '',
      '3 problems (2 errors, 1 warning) in 2 checks.',
      '',
    ]);
  });

  it('says no problems were found', () => {
    expect(formatText([result([])])).toBe('No problems found (1 check).\n');
  });
});

describe('formatJson', () => {
  it('has exactly the documented keys, in order, with null for absent values', () => {
    const json = formatJson([
      result([finding({ startColumn: 3, suggestion: 'x' }), finding({ path: undefined, startLine: undefined, endLine: undefined })]),
    ]);
    expect(json).toContain('\n  "checks": [\n    {\n      "id": "spec-bundle",');
    const parsed = JSON.parse(json) as { checks: Array<Record<string, unknown> & { findings: Array<Record<string, unknown>> }> };
    expect(Object.keys(parsed)).toEqual(['checks']);
    const [check] = parsed.checks;
    expect(Object.keys(check ?? {})).toEqual(['id', 'conclusion', 'summary', 'findings']);
    for (const f of check?.findings ?? []) {
      expect(Object.keys(f)).toEqual(['checkId', 'ruleId', 'severity', 'path', 'startLine', 'endLine', 'title', 'message']);
    }
    expect(check?.findings[0]).toEqual({
      checkId: 'spec-bundle',
      ruleId: 'required-file',
      severity: 'error',
      path: 'spec/login/plan.md',
      startLine: 3,
      endLine: 3,
      title: 'Missing required file',
      message: 'spec/login is missing tasks.md.',
    });
    expect(check?.findings[1]).toMatchObject({ path: null, startLine: null, endLine: null });
  });

  it('prints an empty report as an empty check list', () => {
    expect(formatJson([])).toBe('{\n  "checks": []\n}');
  });
});

describe('size budgets', () => {
  const items = Array.from({ length: 40 }, (_, i) => `- item ${i} ${'é🚀'.repeat(i % 9)}\n`);

  it.each(['utf16', 'utf8'] as const)('never exceed the budget and account for every item (%s)', (unit) => {
    const measure = (text: string) => (unit === 'utf8' ? Buffer.byteLength(text, 'utf8') : text.length);
    for (let budget = 60; budget <= 1_200; budget += 7) {
      const fitted = fitWithinBudget({ head: '# Head\n', items, more: (n) => moreFindingsLine(n), budget, unit });
      expect(measure(fitted.text)).toBeLessThanOrEqual(budget);
      expect(fitted.text).not.toMatch(LONE_SURROGATE);
      expect(fitted.shownItems + fitted.omittedFindings).toBe(items.length);
      expect(moreCount(fitted.text) ?? 0).toBe(fitted.omittedFindings);
    }
    const roomy = fitWithinBudget({ head: '', items, more: (n) => moreFindingsLine(n), budget: 100_000, unit });
    expect(roomy.text).toBe(items.join(''));
  });

  it('clips on character boundaries', () => {
    expect(clipUtf16('ab🚀cd', 4)).toBe('ab…');
    expect(clipUtf16('ab🚀cd', 5)).toBe('ab🚀…');
    expect(clipUtf8('aé🚀', 4)).toBe('a…');
    expect(clipUtf8('aé🚀', 6)).toBe('aé…');
    expect(clipUtf8('aé🚀', 7)).toBe('aé🚀');
  });
});
