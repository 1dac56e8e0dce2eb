import { describe, expect, it } from '@jest/globals';
import type { MemoryTree } from './helpers/memory-changeset.js';
import { fixtureTree, only, ruleIds, runSpecBundle } from './helpers/spec-bundle.js';

const bundle = fixtureTree('platform-kit');
const specKit = fixtureTree('spec-kit');

/** Runs the check on a change that adds `head` (a bundle) to an empty repository. */
function addBundle(head: MemoryTree) {
  return runSpecBundle({ base: {}, head });
}

function withFile(tree: MemoryTree, path: string, text: string | undefined): MemoryTree {
  const copy = { ...tree };
  if (text === undefined) delete copy[path];
  else copy[path] = text;
  return copy;
}

const PRD_BODY = '\n# Checkout\n\n## Problem\n\nSlow.\n\n## Goals\n\n- Fast.\n';

describe('spec-bundle: complete bundles', () => {
  it('finds nothing wrong with the platform-kit fixture', async () => {
    const output = await addBundle(bundle);
    expect(output.findings).toEqual([]);
    expect(output.summary).toBe('Linked bundle spec/checkout (complete).');
  });

  it('finds nothing wrong with the spec-kit fixture', async () => {
    const output = await addBundle(specKit);
    expect(output.findings).toEqual([]);
    expect(output.summary).toBe('Linked bundle specs/001-checkout (complete).');
  });
});

describe('spec-bundle: missing-file', () => {
  it('reports a required file that does not exist, by path', async () => {
    const output = await addBundle(withFile(bundle, 'spec/checkout/tasks.md', undefined));
    const finding = only(output, 'missing-file');
    expect(finding).toMatchObject({ severity: 'error', path: 'spec/checkout/tasks.md', title: 'Required spec file missing' });
    expect(finding.startLine).toBeUndefined();
    expect(finding.message).toContain('has no tasks.md; the layout requires constitution.md, prd.md, plan.md, tasks.md');
    expect(output.summary).toBe('Linked bundle spec/checkout (1 problem).');
  });

  it('reports an empty (or whitespace-only) required file at line 1', async () => {
    const output = await addBundle(withFile(bundle, 'spec/checkout/constitution.md', '\n  \n'));
    expect(only(output, 'missing-file')).toMatchObject({
      path: 'spec/checkout/constitution.md',
      startLine: 1,
      title: 'Required spec file empty',
    });
    expect(ruleIds(output)).toEqual(['missing-file']);
  });

  it('uses the required files of the configured layout', async () => {
    const layouts = [{ name: 'rfc', root: 'rfcs', required: ['README.md', 'design.md'], files: {} }];
    const output = await runSpecBundle({ base: {}, head: { 'rfcs/0001-auth/README.md': '# Auth\n' } }, { options: { layouts } });
    expect(only(output, 'missing-file').path).toBe('rfcs/0001-auth/design.md');
  });

  it('does not report a required file it could not read (binary or too large); the engine notes it', async () => {
    const output = await addBundle(withFile(bundle, 'spec/checkout/plan.md', 'PK\u0003\u0004\u0000binary'));
    expect(output.findings).toEqual([]);
  });
});

describe('spec-bundle: invalid-frontmatter', () => {
  it('reports a YAML error at its line in the Markdown file', async () => {
    const prd = ['---', 'title: One-page checkout', 'status: [draft', 'owner: payments', '---', PRD_BODY].join('\n');
    const output = await addBundle(withFile(bundle, 'spec/checkout/prd.md', prd));
    const finding = only(output, 'invalid-frontmatter');
    expect(finding).toMatchObject({ severity: 'error', path: 'spec/checkout/prd.md', startLine: 4, endLine: 4 });
    expect(finding.message).toContain('is not valid YAML: Flow sequence in block collection must be sufficiently indented');
    // Keys cannot be judged in frontmatter that does not parse.
    expect(ruleIds(output)).toEqual(['invalid-frontmatter']);
  });

  it('reports duplicate keys at the second occurrence', async () => {
    const prd = ['---', 'title: A', 'status: draft', 'owner: me', 'title: B', '---', PRD_BODY].join('\n');
    const finding = only(await addBundle(withFile(bundle, 'spec/checkout/prd.md', prd)), 'invalid-frontmatter');
    expect(finding.startLine).toBe(5);
    expect(finding.message).toContain('Map keys must be unique');
  });

  it('reports a tab used as indentation with its column', async () => {
    const prd = ['---', 'title: A', 'status: draft', 'owner:', '\tname: me', '---', PRD_BODY].join('\n');
    const finding = only(await addBundle(withFile(bundle, 'spec/checkout/prd.md', prd)), 'invalid-frontmatter');
    expect(finding.startLine).toBe(5);
  });

  it('reports frontmatter opened and never closed at line 1', async () => {
    const prd = ['---', 'title: A', 'status: draft', 'owner: me', PRD_BODY].join('\n');
    const output = await addBundle(withFile(bundle, 'spec/checkout/prd.md', prd));
    expect(only(output, 'invalid-frontmatter')).toMatchObject({ startLine: 1, title: 'Frontmatter not closed' });
  });

  it('reports frontmatter that is a list rather than a mapping', async () => {
    const prd = ['---', '- title', '- status', '---', PRD_BODY].join('\n');
    const finding = only(await addBundle(withFile(bundle, 'spec/checkout/prd.md', prd)), 'invalid-frontmatter');
    expect(finding.startLine).toBe(2);
    expect(finding.message).toContain('frontmatter must be a mapping');
  });

  it('checks the frontmatter of files without frontmatter rules too', async () => {
    const plan = ['---', 'a: [', '---', '# Plan', '', '## Approach', ''].join('\n');
    const output = await addBundle(withFile(bundle, 'spec/checkout/plan.md', plan));
    expect(only(output, 'invalid-frontmatter').path).toBe('spec/checkout/plan.md');
  });

  it('keeps line numbers right after a byte order mark', async () => {
    const prd = ['\uFEFF---', 'title: A', 'status: "draft', 'owner: me', '---', PRD_BODY].join('\n');
    const finding = only(await addBundle(withFile(bundle, 'spec/checkout/prd.md', prd)), 'invalid-frontmatter');
    // yaml reports an unclosed quote where the scalar ends: the last line of the block.
    expect(finding).toMatchObject({ startLine: 4, startColumn: 10 });
    expect(finding.message).toContain('Missing closing "quote');
  });
});

describe('spec-bundle: missing-frontmatter-key', () => {
  it('names the missing keys at the frontmatter block', async () => {
    const prd = ['---', 'title: One-page checkout', 'status: draft', '---', PRD_BODY].join('\n');
    const finding = only(await addBundle(withFile(bundle, 'spec/checkout/prd.md', prd)), 'missing-frontmatter-key');
    expect(finding).toMatchObject({ severity: 'error', path: 'spec/checkout/prd.md', startLine: 1, endLine: 4 });
    expect(finding.message).toContain('lacks `owner`; the layout requires `title`, `status` and `owner`');
  });

  it('points at an empty key', async () => {
    const prd = ['---', 'title: One-page checkout', 'status: draft', 'owner:', '---', PRD_BODY].join('\n');
    const finding = only(await addBundle(withFile(bundle, 'spec/checkout/prd.md', prd)), 'missing-frontmatter-key');
    expect(finding.startLine).toBe(4);
    expect(finding.message).toContain('leaves `owner` empty');
  });

  it('reports a file without frontmatter at line 1', async () => {
    const finding = only(await addBundle(withFile(bundle, 'spec/checkout/prd.md', PRD_BODY)), 'missing-frontmatter-key');
    expect(finding).toMatchObject({ startLine: 1, title: 'Frontmatter missing' });
    expect(finding.message).toContain('has no frontmatter; start it with a `---` block holding `title`, `status` and `owner`');
  });

  it('accepts an empty frontmatter block where no keys are required', async () => {
    const plan = ['---', '---', '# Plan', '', '## Approach', ''].join('\n');
    expect((await addBundle(withFile(bundle, 'spec/checkout/plan.md', plan))).findings).toEqual([]);
  });
});

describe('spec-bundle: missing-heading', () => {
  it('names each missing heading, pointing just after the frontmatter', async () => {
    const prd = ['---', 'title: A', 'status: draft', 'owner: me', '---', '# Checkout', '', 'Text.', ''].join('\n');
    const output = await addBundle(withFile(bundle, 'spec/checkout/prd.md', prd));
    const findings = output.findings.filter((finding) => finding.ruleId === 'missing-heading');
    expect(findings.map((finding) => [finding.startLine, finding.message])).toEqual([
      [6, 'spec/checkout/prd.md has no "Problem" heading; add a section such as `## Problem`.'],
      [6, 'spec/checkout/prd.md has no "Goals" heading; add a section such as `## Goals`.'],
    ]);
    expect(output.summary).toBe('Linked bundle spec/checkout (2 problems).');
  });

  it('matches headings regardless of case, level, numbering and trailing punctuation', async () => {
    const prd = ['---', 'title: A', 'status: draft', 'owner: me', '---', '# 1. PROBLEM:', '', '#### goals', ''].join('\n');
    expect((await addBundle(withFile(bundle, 'spec/checkout/prd.md', prd))).findings).toEqual([]);
  });

  it('ignores spec-kit `*(mandatory)*` notes on either side', async () => {
    const spec = '# Spec\n\n## User scenarios & testing *(mandatory)*\n\n## Requirements _(optional)_\n';
    expect((await addBundle(withFile(specKit, 'specs/001-checkout/spec.md', spec))).findings).toEqual([]);

    const layouts = [
      { name: 'notes', root: 'specs', required: ['spec.md'], files: { 'spec.md': { frontmatterKeys: [], headings: ['Requirements *(mandatory)*'], checklist: false } } },
    ];
    const output = await runSpecBundle({ base: {}, head: { 'specs/a/spec.md': '# Spec\n\n## Requirements\n' } }, { options: { layouts } });
    expect(output.findings).toEqual([]);
  });

  it('does not accept a heading that merely starts like the required one', async () => {
    const spec = specKit['specs/001-checkout/spec.md']?.toString().replace('## Requirements *(mandatory)*', '## Requirements backlog') ?? '';
    const output = await addBundle(withFile(specKit, 'specs/001-checkout/spec.md', spec));
    expect(only(output, 'missing-heading').message).toContain('no "Requirements" heading');
  });

  it('does not count text that only looks like a heading inside a code block', async () => {
    const plan = '# Plan\n\n```md\n## Approach\n```\n';
    const output = await addBundle(withFile(bundle, 'spec/checkout/plan.md', plan));
    expect(only(output, 'missing-heading')).toMatchObject({ path: 'spec/checkout/plan.md', startLine: 1 });
  });
});

describe('spec-bundle: missing-checklist', () => {
  it('reports tasks.md without a task list item', async () => {
    const tasks = '# Tasks\n\n- write the page\n- ship it\n';
    const finding = only(await addBundle(withFile(bundle, 'spec/checkout/tasks.md', tasks)), 'missing-checklist');
    expect(finding).toMatchObject({ severity: 'error', path: 'spec/checkout/tasks.md', startLine: 1 });
  });

  it.each(['- [ ] write the page', '* [x] write the page', '1. [X] write the page', '- [ ]'])('accepts %s', async (item) => {
    const tasks = `# Tasks\n\n${item}\n`;
    expect((await addBundle(withFile(bundle, 'spec/checkout/tasks.md', tasks))).findings).toEqual([]);
  });

  it('does not accept a checkbox outside a list', async () => {
    const tasks = '# Tasks\n\n[ ] write the page\n';
    expect(ruleIds(await addBundle(withFile(bundle, 'spec/checkout/tasks.md', tasks)))).toEqual(['missing-checklist']);
  });
});

describe('spec-bundle: missing-constitution', () => {
  it('reports the spec-kit constitution missing when a spec-kit bundle is linked', async () => {
    const output = await addBundle(withFile(specKit, '.specify/memory/constitution.md', undefined));
    const finding = only(output, 'missing-constitution');
    expect(finding).toMatchObject({ severity: 'error', path: '.specify/memory/constitution.md', title: 'Constitution missing' });
    expect(finding.message).toContain('the spec-kit layout of specs/001-checkout/ requires it');
    expect(output.summary).toBe('Linked bundle specs/001-checkout (1 problem).');
  });

  it('reports an empty constitution at line 1', async () => {
    const output = await addBundle(withFile(specKit, '.specify/memory/constitution.md', ''));
    expect(only(output, 'missing-constitution')).toMatchObject({ startLine: 1, title: 'Constitution empty' });
  });

  it('reports the constitution once for several bundles', async () => {
    const tree = withFile(specKit, '.specify/memory/constitution.md', undefined);
    for (const [path, text] of Object.entries(specKit)) {
      if (path.startsWith('specs/001-checkout/')) tree[path.replace('001-checkout', '002-search')] = text;
    }
    const output = await addBundle(tree);
    expect(only(output, 'missing-constitution').message).toContain('specs/001-checkout/, specs/002-search/');
  });

  it('does not ask for the constitution when no bundle of the layout is linked', async () => {
    const output = await runSpecBundle({ base: {}, head: { 'src/app.ts': 'x\n' } });
    expect(output.findings).toEqual([]);
  });

  it('applies the file rules configured for the constitution path', async () => {
    const [platformKit, specKitLayout] = (await import('../app/checks/spec-bundle/options.js')).DEFAULT_LAYOUTS;
    if (!platformKit || !specKitLayout) throw new Error('default layouts changed');
    const layouts = [
      platformKit,
      {
        ...specKitLayout,
        files: { ...specKitLayout.files, '.specify/memory/constitution.md': { frontmatterKeys: [], headings: ['Amendments'], checklist: false } },
      },
    ];
    const output = await runSpecBundle({ base: {}, head: specKit }, { options: { layouts } });
    expect(only(output, 'missing-heading')).toMatchObject({ path: '.specify/memory/constitution.md' });
  });
});
