import { describe, expect, it } from '@jest/globals';
import { globProblem, regexProblem } from '../app/config/bounded-patterns.js';
import { DEFAULT_FILE_NAME_PATTERN } from '../app/checks/schema-safety/hygiene/migrations.js';
import { loadConfigFile } from '../app/config/load.js';

/** Globs and regular expressions from a config run on every path the App sees: they are bounded. */

describe('bounded patterns', () => {
  it('accepts ordinary globs and refuses ones that would backtrack or are huge', () => {
    for (const glob of ['**', 'supabase/migrations/**/*.sql', 'docs/{guides,api}/**/*.md', '!**/*.snap']) expect(globProblem(glob)).toBeUndefined();
    expect(globProblem('a/'.repeat(300))).toContain('600 characters long');
    expect(globProblem(Array.from({ length: 9 }, () => '**').join('/x/'))).toContain('has 9 "**"');
    expect(globProblem('{a,b}'.repeat(9))).toContain('9 brace groups');
    expect(globProblem('src/***/x')).toContain('"***"');
  });

  it('accepts linear regular expressions and refuses nested quantifiers, back-references and invalid ones', () => {
    for (const source of [DEFAULT_FILE_NAME_PATTERN, '^\\d{14}_[a-z_]+\\.sql$', '^(feat|fix)(\\(.+\\))?: ', '[(+*)]+']) expect(regexProblem(source)).toBeUndefined();
    expect(regexProblem('^(a+)+$')).toContain('nested quantifiers');
    expect(regexProblem('(\\w*x?)*y')).toContain('nested quantifiers');
    expect(regexProblem('((ab)*c)+')).toContain('nested quantifiers');
    expect(regexProblem('(a)\\1')).toContain('back-reference');
    expect(regexProblem('([a-z]')).toContain('not a valid regular expression');
    expect(regexProblem('x'.repeat(300))).toContain('limit is 256');
  });

  it('rejects a config with an unbounded glob, naming the field', () => {
    const result = loadConfigFile(`checks:\n  doc-sync:\n    paths:\n      include: ["${'**/'.repeat(9)}*.md"]\n`, '.github/platform-kit.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      expect.objectContaining({ file: '.github/platform-kit.yml', line: 4, message: expect.stringContaining('checks.doc-sync.paths.include.0: glob') }),
    ]);
    expect(result.errors[0]?.message).toContain('has 9 "**"; the limit is 8');
  });

  it('rejects a migration file name pattern that could backtrack exponentially, at its line', () => {
    const result = loadConfigFile('checks:\n  schema-safety:\n    fileNamePattern: "^(\\\\w+)+\\\\.sql$"\n', '.github/platform-kit.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([expect.objectContaining({ line: 3, message: expect.stringContaining('nested quantifiers') })]);
  });
});
