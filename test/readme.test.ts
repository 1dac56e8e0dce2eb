import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { replaceRulesBlock } from '../app/checks/rules-table.js';
import { allRules } from '../app/checks/registry.js';
import { existsSync } from 'node:fs';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists exactly the rules the registry has (run `npm run docs` to regenerate)', () => {
    expect(replaceRulesBlock(readme)).toBe(readme);
  });

  it('has a documentation page for every rule', () => {
    const missing = allRules()
      .map((rule) => rule.docsUrl.split('/blob/main/')[1] ?? rule.docsUrl)
      .filter((path) => !existsSync(new URL(`../${path}`, import.meta.url)));
    expect(missing).toEqual([]);
  });
});
