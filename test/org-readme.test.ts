import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../app/cli.js';
import type { RepositoryAttributes } from '../app/introspection/github-inventory.js';
import { buildOrgReadmeView, escapeMarkdown, MATURITY_WEIGHTS, readmeInventoryFrom, type ReadmeInventory } from '../app/org-readme/model.js';
import { parseOrgReadmeOptions } from '../app/org-readme/options.js';
import { OrgReadmeTemplateError, readGeneratedHeader, readmeBody, README_BYTE_BUDGET, renderOrgReadme } from '../app/org-readme/render.js';

const ROOT = join(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'org-readme');
const template = await readFile(join(ROOT, 'templates', 'org-readme', 'README.md.hbs'), 'utf8');
const inventory = readmeInventoryFrom(JSON.parse(await readFile(join(FIXTURES, 'inventory.json'), 'utf8')));

function io(cwd: string) {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (text: string) => void (out.stdout += text), stderr: (text: string) => void (out.stderr += text), cwd, env: {} } };
}

/** The governance matrix as rows of cells, by repository name. */
function matrixRows(markdown: string): Map<string, string[]> {
  const section = markdown.slice(markdown.indexOf('## Governance matrix'));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const match = /^\| \[([^\]]+)\]\([^)]+\) \| (.*) \|$/.exec(line);
    if (match) rows.set(match[1] as string, (match[2] as string).split(' | '));
  }
  return rows;
}

function repository(name: string, overrides: Partial<RepositoryAttributes> = {}): ReadmeInventory['repositories'][number] {
  return {
    identity: `big/${name}`,
    name,
    attributes: {
      visibility: 'private', archived: false, default_branch: 'main', topics: [], language: 'TypeScript', description: `The ${name} repository, with a description of ordinary length`,
      pushed_at: '2025-05-01T00:00:00Z', readable: true,
      protection: { source: 'none', required_reviews: null, required_status_checks: [], enforce_admins: null },
      workflows: [], default_branch_ci: null,
      security: { secret_scanning: false, push_protection: false, dependabot_alerts: false },
      codeowners: null, platform_kit_config: false, spec_bundles: false, unknown: {},
      ...overrides,
    },
  };
}

describe('org README rendering', () => {
  it('renders the fixture inventory as the expected README', async () => {
    const rendered = renderOrgReadme({ view: buildOrgReadmeView(inventory), template });
    expect(rendered.markdown).toBe(await readFile(join(FIXTURES, 'expected-README.md'), 'utf8'));
  });

  it('shows the governance matrix with ✓, ✗ and ? (unreadable), lowest score first, and the formula', () => {
    const { markdown } = renderOrgReadme({ view: buildOrgReadmeView(inventory), template });
    const rows = matrixRows(markdown);
    expect([...rows.keys()]).toEqual(['handbook', 'salesforce-sync', 'ui-lib', 'billing', 'checkout-app']);
    expect(rows.get('checkout-app')).toEqual(['✓', '✓', '✓', '✓', '✓', '✓', '✓', '100']);
    expect(rows.get('salesforce-sync')).toEqual(['?', '?', '?', '?', '?', '?', '?', '0']);
    // Rulesets count as protection; no required checks; failing CI; Platform Kit config present.
    expect(rows.get('billing')).toEqual(['✓', '✗', '✗', '✗', '✗', '✓', '✗', String(MATURITY_WEIGHTS.protection + MATURITY_WEIGHTS.platformKit)]);
    expect(rows.get('ui-lib')).toEqual(['✗', '✗', '✗', '✓', '✓', '✗', '✗', '25']);
    expect(rows.has('old-portal-app')).toBe(false);
    expect(markdown).toContain('Branch protection 20 + Required checks 15 + CI green 15 + Secret scanning 15 + CODEOWNERS 10 + Platform Kit 15 + Spec bundles 10');
    expect(Object.values(MATURITY_WEIGHTS).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('groups by topic first, then by naming convention, and takes categories from options', () => {
    const view = buildOrgReadmeView(inventory);
    expect(view.categories.map((category) => [category.id, category.repositories.map((r) => r.name)])).toEqual([
      ['apps', ['checkout-app']],
      ['services', ['billing']],
      ['libs', ['ui-lib']],
      ['connectors', ['salesforce-sync']],
      ['other', ['handbook']],
    ]);
    const options = parseOrgReadmeOptions('categories:\n  - id: docs\n    title: Documentation\n    topics: []\n    namePattern: "^hand"\nincludeArchived: true\n', 'org-readme.yml');
    const custom = buildOrgReadmeView(inventory, options);
    expect(custom.categories.map((category) => [category.id, category.count])).toEqual([
      ['docs', 1],
      ['other', 5],
    ]);
  });

  it('escapes Markdown and HTML in descriptions, on one table row', () => {
    const { markdown } = renderOrgReadme({ view: buildOrgReadmeView(inventory), template });
    expect(markdown).not.toContain('<script>');
    expect(markdown).not.toContain('](http://evil');
    const row = markdown.split('\n').find((line) => line.startsWith('| [billing]') && line.includes('Invoices'));
    expect(row).toContain('Invoices \\*\\*and\\*\\* &lt;script&gt;');
    expect(row).toContain('\\| payments');
    expect(row?.split(/(?<!\\)\|/).length).toBe(8);
    expect(escapeMarkdown('a_b\n# c')).toBe('a\\_b \\# c');
  });

  it('renders an org without repositories', () => {
    const { markdown } = renderOrgReadme({ view: buildOrgReadmeView({ org: 'empty', repositories: [] }), template });
    expect(markdown).toContain('# empty');
    expect(markdown).toContain('No repositories yet');
    expect(markdown).not.toContain('## Governance matrix');
  });

  it('keeps 5,000 repositories under the rendering budget: categories collapsed, the matrix limited', () => {
    const kinds = ['-app', '-service', '-lib', '-connector', ''];
    const repositories = Array.from({ length: 5000 }, (_, i) => repository(`repo-${String(i).padStart(4, '0')}${kinds[i % 5]}`, i % 7 === 0 ? { platform_kit_config: true } : {}));
    const view = buildOrgReadmeView({ org: 'big', repositories });
    const rendered = renderOrgReadme({ view, template });
    expect(Buffer.byteLength(rendered.markdown)).toBeLessThanOrEqual(README_BYTE_BUDGET);
    expect(rendered.compact).toBe(true);
    expect(rendered.markdown).toContain('**5000** repositories');
    expect(rendered.markdown.match(/<details>/g)).toHaveLength(5);
    expect(rendered.markdown.match(/<\/details>/g)).toHaveLength(5);
    expect(rendered.markdown).toContain('The 300 repositories with the lowest maturity score, of 5000.');
    expect(matrixRows(rendered.markdown).size).toBe(300);
    // Small categories stay open; large ones fold.
    const small = buildOrgReadmeView({ org: 'big', repositories: repositories.slice(0, 60) });
    expect(small.categories.map((category) => category.collapsed)).toEqual([false, false, false, false, false]);
    expect(buildOrgReadmeView({ org: 'big', repositories: repositories.slice(0, 200) }).categories.every((category) => category.collapsed)).toBe(true);
  });

  it('reads stored inventory objects as well as a scan', () => {
    const objects = inventory.repositories.map((repo) => ({ object_type: 'repository', schema_name: null, name: repo.name, identity: repo.identity, attributes: repo.attributes }));
    const fromObjects = readmeInventoryFrom({ org: 'acme', objects: [...objects, { object_type: 'team', name: 'core', identity: 'acme/core', attributes: {} }] });
    expect(fromObjects.repositories.map((repo) => repo.name)).toEqual(inventory.repositories.map((repo) => repo.name));
    expect(() => readmeInventoryFrom({ org: 'acme', repositories: [{ name: 'x' }] }, 'inv.json')).toThrow('inv.json: repositories[0] needs string fields identity and name');
  });

  it('marks the file as generated and says where to edit', () => {
    const { markdown, templateHash, structureHash } = renderOrgReadme({ view: buildOrgReadmeView(inventory), template });
    expect(markdown.startsWith('<!-- platform-kit:org-readme')).toBe(true);
    expect(markdown).toContain('manual edits are overwritten. Edit the template instead: templates/org-readme/README.md.hbs');
    expect(readGeneratedHeader(markdown)).toEqual({ templateHash, structureHash });
    expect(readmeBody(markdown).startsWith('# acme')).toBe(true);
  });
});

describe('template errors', () => {
  it('names the line of a syntax error, and of a block closed by the wrong tag', () => {
    const render = (text: string) => () => renderOrgReadme({ view: buildOrgReadmeView(inventory), template: text, templatePath: 'my.hbs' });
    expect(render('# {{org}}\n\n{{#if empty}\n')).toThrow(OrgReadmeTemplateError);
    expect(render('# {{org}}\n\n{{#if empty}\n')).toThrow(/^my\.hbs:3: template error: Parse error on line 3: near ".*" \(got 'INVALID'\)$/);
    expect(render('# {{org}}\n\n{{#each categories}}\n{{title}}\n{{/if}}\n')).toThrow("my.hbs:3: template error: each doesn't match if - 3:3");
  });

  it('names the line of a misspelt field', () => {
    expect(() => renderOrgReadme({ view: buildOrgReadmeView(inventory), template: '# {{org}}\n\n{{totals.repos}}\n', templatePath: 'my.hbs' })).toThrow(/^my\.hbs:3: template error: "repos" not defined/);
  });

  it('leaves the old README in place when the template is broken (CLI)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pk-org-readme-'));
    try {
      await writeFile(join(dir, 'README.md'), 'the old README\n');
      await writeFile(join(dir, 'broken.hbs'), '# {{org}}\n{{#if empty}}\n');
      const run = io(dir);
      const code = await runCli(['org-readme', 'render', '--inventory', join(FIXTURES, 'inventory.json'), '--template', 'broken.hbs', '--out', 'README.md'], run.io);
      expect(code).toBe(2);
      expect(run.out.stderr).toMatch(/^platform-kit: broken\.hbs:\d+: template error: /);
      expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe('the old README\n');

      const ok = io(dir);
      expect(await runCli(['org-readme', 'render', '--inventory', join(FIXTURES, 'inventory.json'), '--out', 'README.md'], ok.io)).toBe(0);
      expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe(await readFile(join(FIXTURES, 'expected-README.md'), 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a bad options file with its line', async () => {
    expect(() => parseOrgReadmeOptions('collapseAfter: 10\ncategories:\n  - id: Apps!\n    title: Apps\n', 'org-readme.yml')).toThrow(/^org-readme\.yml:3:\d+: /);
    const run = io(ROOT);
    expect(await runCli(['org-readme', 'render'], run.io)).toBe(2);
    expect(run.out.stderr).toBe('platform-kit: give exactly one of --inventory FILE or --org ORG\n');
  });
});
