import { describe, expect, it } from '@jest/globals';
import type { ChangedFile, CheckResult, Finding } from '../app/checks/types.js';
import {
  asSuggestionFinding,
  markSuggestedOnDiff,
  MAX_SUGGESTIONS_ON_DIFF,
  planSuggestions,
  reviewCommentBody,
  suggestionFingerprint,
  suggestionFingerprintOf,
  suggestionMarker,
} from '../app/github/review-suggestions.js';

const PATH = 'supabase/migrations/20240501000000_notes.sql';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    checkId: 'schema-safety',
    ruleId: 'prefer-text-field',
    severity: 'notice',
    path: PATH,
    startLine: 2,
    endLine: 2,
    title: 'varchar(n) instead of text',
    message: 'Use text.',
    suggestion: 'create table t (body text);',
    ...overrides,
  };
}

function result(findings: Finding[]): CheckResult {
  return { checkId: 'schema-safety', title: 'Schema safety', conclusion: 'failure', summary: '', findings };
}

/** A file whose diff shows head lines [start, start + length) for each hunk. */
function file(hunks: Array<[start: number, length: number]>, overrides: Partial<ChangedFile> = {}): ChangedFile {
  return {
    path: PATH,
    status: 'modified',
    additions: 1,
    deletions: 0,
    hunks: hunks.map(([headStart, headLines]) => ({ headStart, headLines, baseStart: headStart, baseLines: 0 })),
    ...overrides,
  };
}

function placedLines(results: CheckResult[], files: ChangedFile[]): string[] {
  return planSuggestions(results, files).onDiff.map(({ finding: placed }) => `${placed.ruleId} ${placed.startLine}-${placed.endLine}`);
}

describe('planSuggestions', () => {
  it('places a suggestion only when its whole range lies in one hunk of the head side', () => {
    const results = [
      result([
        finding({ ruleId: 'inside', startLine: 3, endLine: 5 }),
        finding({ ruleId: 'first-line-of-hunk', startLine: 10, endLine: 10 }),
        finding({ ruleId: 'across-hunks', startLine: 6, endLine: 11 }),
        finding({ ruleId: 'after-hunk', startLine: 13, endLine: 13 }),
        finding({ ruleId: 'before-diff', startLine: 1, endLine: 1 }),
      ]),
    ];
    // Hunks: lines 2-6 and 10-12.
    const plan = planSuggestions(results, [file([[2, 5], [10, 3]])]);
    expect(plan.onDiff.map((planned) => planned.finding.ruleId)).toEqual(['inside', 'first-line-of-hunk']);
    expect(plan.elsewhere).toBe(3);
  });

  it('leaves suggestions in files without hunks, removed files, other files and pure deletions to the comment', () => {
    const results = [result([finding({ path: 'binary.sql' }), finding({ path: 'gone.sql' }), finding({ path: 'other.sql' }), finding({ path: 'deleted-lines.sql' })])];
    const files = [
      file([], { path: 'binary.sql', hunks: undefined }),
      file([[1, 5]], { path: 'gone.sql', status: 'removed' }),
      file([[2, 0]], { path: 'deleted-lines.sql' }),
    ];
    expect(planSuggestions(results, files)).toEqual({ onDiff: [], elsewhere: 4 });
  });

  it('skips findings without a suggestion, a path or a line, and takes endLine from startLine', () => {
    const { suggestion: _none, ...withoutSuggestion } = finding();
    const { path: _noPath, ...withoutPath } = finding({ ruleId: 'no-path' });
    const results = [result([withoutSuggestion, withoutPath, finding({ ruleId: 'no-line', startLine: undefined }), finding({ ruleId: 'one-line', endLine: undefined })])];
    expect(placedLines(results, [file([[1, 5]])])).toEqual(['one-line 2-2']);
  });

  it('puts the most severe of overlapping suggestions on the diff and leaves the others to the comment', () => {
    const results = [
      result([
        finding({ ruleId: 'prefer-text-field', severity: 'notice', startLine: 2, endLine: 2 }),
        finding({ ruleId: 'rls-not-enabled', severity: 'error', startLine: 2, endLine: 4 }),
        finding({ ruleId: 'apart', severity: 'notice', startLine: 5, endLine: 5 }),
      ]),
    ];
    const plan = planSuggestions(results, [file([[1, 10]])]);
    expect(plan.onDiff.map(({ finding: placed }) => placed.ruleId)).toEqual(['rls-not-enabled', 'apart']);
    expect(plan.elsewhere).toBe(1);
  });

  it(`caps the suggestions on the diff at ${MAX_SUGGESTIONS_ON_DIFF}, errors first`, () => {
    const notices = Array.from({ length: 30 }, (_, index) => finding({ ruleId: `notice-${index}`, startLine: index + 1, endLine: index + 1 }));
    const error = finding({ ruleId: 'the-error', severity: 'error', startLine: 40, endLine: 40 });
    const plan = planSuggestions([result([...notices, error])], [file([[1, 50]])]);
    expect(plan.onDiff).toHaveLength(MAX_SUGGESTIONS_ON_DIFF);
    expect(plan.onDiff[0]?.finding.ruleId).toBe('the-error');
    expect(plan.elsewhere).toBe(31 - MAX_SUGGESTIONS_ON_DIFF);
  });

  it('never cuts a suggestion: one too long for a review comment stays in the sticky comment', () => {
    const long = finding({ suggestion: 'x'.repeat(70_000) });
    expect(planSuggestions([result([long])], [file([[1, 5]])])).toEqual({ onDiff: [], elsewhere: 1 });
  });

  it('plans the same finding reported twice once', () => {
    const plan = planSuggestions([result([finding(), finding()])], [file([[1, 5]])]);
    expect(plan.onDiff).toHaveLength(1);
    expect(plan.elsewhere).toBe(0);
  });
});

describe('review comment bodies', () => {
  it('starts with the marker and holds title, rule with docs link, message and the suggestion block', () => {
    const placed = asSuggestionFinding(finding({ docsUrl: 'https://example.com/prefer-text-field.md' }));
    if (!placed) throw new Error('expected a suggestion finding');
    const fingerprint = suggestionFingerprint(placed);
    expect(reviewCommentBody(placed, fingerprint)).toBe(
      [
        suggestionMarker(fingerprint),
        'ℹ️ **varchar(n) instead of text** · [`schema-safety/prefer-text-field`](https://example.com/prefer-text-field.md)',
        '',
        'Use text.',
        '',
        '```suggestion',
        'create table t (body text);',
        '```',
        '',
      ].join('\n'),
    );
  });

  it('writes an empty block for a suggestion that deletes the lines, and a longer fence around backticks', () => {
    const deletion = asSuggestionFinding(finding({ suggestion: '' }));
    const fenced = asSuggestionFinding(finding({ suggestion: 'select 1; -- ```' }));
    if (!deletion || !fenced) throw new Error('expected suggestion findings');
    expect(reviewCommentBody(deletion, 'a'.repeat(64))).toContain('\n```suggestion\n```\n');
    expect(reviewCommentBody(fenced, 'a'.repeat(64))).toContain('\n````suggestion\nselect 1; -- ```\n````\n');
  });

  it('fingerprints check, rule, path, lines and suggestion', () => {
    const base = asSuggestionFinding(finding());
    if (!base) throw new Error('expected a suggestion finding');
    const fingerprint = suggestionFingerprint(base);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(suggestionFingerprint({ ...base, message: 'Reworded.' })).toBe(fingerprint);
    for (const change of [{ ruleId: 'other' }, { path: 'b.sql' }, { startLine: 1 }, { endLine: 3 }, { suggestion: 'x' }, { checkId: 'other' }]) {
      expect(suggestionFingerprint({ ...base, ...change })).not.toBe(fingerprint);
    }
  });

  it('reads the fingerprint from the first line only', () => {
    const fingerprint = 'b'.repeat(64);
    expect(suggestionFingerprintOf(`${suggestionMarker(fingerprint)}\nbody`)).toBe(fingerprint);
    expect(suggestionFingerprintOf(`> quoted\n${suggestionMarker(fingerprint)}`)).toBeUndefined();
    expect(suggestionFingerprintOf('<!-- platform-kit:suggestion nothex -->')).toBeUndefined();
  });
});

describe('markSuggestedOnDiff', () => {
  it('replaces the suggestion of findings on the diff with a link and leaves the others alone', () => {
    const onDiff = finding({ startLine: 2 });
    const elsewhere = finding({ startLine: 1, endLine: 1, suggestion: 'create table a (x text);' });
    const placed = asSuggestionFinding(onDiff);
    if (!placed) throw new Error('expected a suggestion finding');
    const [marked] = markSuggestedOnDiff([result([onDiff, elsewhere])], new Map([[suggestionFingerprint(placed), 'https://github.com/o/r/pull/1#pullrequestreview-9']]));
    expect(marked?.findings[0]?.suggestion).toBeUndefined();
    expect(marked?.findings[0]?.message).toBe('Use text.\n\n**Suggested on the diff**: [apply it there](https://github.com/o/r/pull/1#pullrequestreview-9).');
    expect(marked?.findings[1]).toEqual(elsewhere);
  });
});
