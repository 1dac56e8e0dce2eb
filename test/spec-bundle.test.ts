import { describe, expect, it } from '@jest/globals';
import type { MemoryTree } from './helpers/memory-changeset.js';
import { codeLines, fixtureTree, only, ruleIds, runSpecBundle } from './helpers/spec-bundle.js';

const bundle = fixtureTree('platform-kit');
const specKit = fixtureTree('spec-kit');
const big = codeLines(600);

describe('spec-bundle: significance', () => {
  it('asks nothing of a small change', async () => {
    const output = await runSpecBundle({ base: {}, head: { 'src/app.ts': codeLines(40) } });
    expect(output.findings).toEqual([]);
    expect(output.summary).toBe(
      '40 lines added outside lock, generated and vendored files (threshold 500); no spec bundle needed.',
    );
  });

  it('requires a link above the threshold, not at it', async () => {
    const atThreshold = await runSpecBundle({ base: {}, head: { 'src/app.ts': codeLines(500) } });
    expect(atThreshold.findings).toEqual([]);

    const above = await runSpecBundle({ base: {}, head: { 'src/app.ts': codeLines(501) } });
    const finding = only(above, 'missing-link');
    expect(finding).toMatchObject({ checkId: 'spec-bundle', severity: 'error', title: 'No spec bundle linked' });
    expect(finding.path).toBeUndefined();
    expect(finding.message).toContain('501 lines added');
    expect(finding.message).toContain('over the threshold of 500');
    expect(finding.docsUrl).toBe(
      'https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/missing-link.md',
    );
    expect(above.summary).toBe('501 lines added outside lock, generated and vendored files; no spec bundle linked.');
  });

  it('counts only added lines: edits to an existing file count their new lines', async () => {
    const before = codeLines(1000);
    const after = before.replace('export const line10 = 10;', 'export const line10 = 11;');
    const output = await runSpecBundle({ base: { 'src/big.ts': before }, head: { 'src/big.ts': after } });
    expect(output.findings).toEqual([]);
    expect(output.summary).toMatch(/^1 line added/);
  });

  it('does not count lock files, dist/, vendored or generated files', async () => {
    const output = await runSpecBundle({
      base: {},
      head: {
        'package-lock.json': codeLines(5000),
        'web/yarn.lock': codeLines(900),
        'dist/index.js': codeLines(3000),
        'vendor/lib/x.go': codeLines(700),
        'src/__generated__/schema.ts': codeLines(800),
        'src/api.generated.ts': codeLines(800),
        'src/app.ts': codeLines(100),
      },
    });
    expect(output.findings).toEqual([]);
    expect(output.summary).toMatch(/^100 lines added/);
  });

  it('says how many lines it left out when the rest is still significant', async () => {
    const output = await runSpecBundle({
      base: {},
      head: { 'pnpm-lock.yaml': codeLines(2000), 'src/app.ts': codeLines(600) },
    });
    expect(only(output, 'missing-link').message).toContain('600 lines added outside lock, generated and vendored files (2,000 lines in such files not counted)');
  });

  it('honours countExclude and significantLines from the options', async () => {
    const head = { 'db/seed.sql': codeLines(600), 'src/app.ts': codeLines(50) };
    expect(ruleIds(await runSpecBundle({ base: {}, head }))).toEqual(['missing-link']);
    expect(await runSpecBundle({ base: {}, head }, { options: { countExclude: ['db/**'] } })).toMatchObject({ findings: [] });
    expect(ruleIds(await runSpecBundle({ base: {}, head: { 'src/app.ts': codeLines(50) } }, { options: { significantLines: 10 } }))).toEqual([
      'missing-link',
    ]);
  });

  it('does not count files outside the check paths', async () => {
    const output = await runSpecBundle(
      { base: {}, head: { 'legacy/old.ts': codeLines(900), 'src/app.ts': codeLines(10) } },
      { inScope: (path) => !path.startsWith('legacy/') },
    );
    expect(output.findings).toEqual([]);
  });
});

describe('spec-bundle: linking a bundle', () => {
  const withBundle = { ...bundle };

  it('links a bundle touched by the change', async () => {
    const output = await runSpecBundle({
      base: withBundle,
      head: { ...withBundle, 'spec/checkout/tasks.md': `${withBundle['spec/checkout/tasks.md']}- [ ] Metrics\n`, 'src/app.ts': big },
    });
    expect(output.findings).toEqual([]);
    expect(output.summary).toBe('Linked bundle spec/checkout (complete).');
  });

  it('links a bundle added by the change', async () => {
    const output = await runSpecBundle({ base: {}, head: { ...withBundle, 'src/app.ts': big } });
    expect(output.findings).toEqual([]);
    expect(output.summary).toBe('Linked bundle spec/checkout (complete).');
  });

  it.each([
    ['Spec: spec/checkout'],
    ['spec: spec/checkout/'],
    ['SPEC: ./spec/checkout'],
    ['- **Spec:** `spec/checkout`'],
    ['Spec: [checkout](https://github.com/acme/shop/tree/main/spec/checkout)'],
    ['Spec: checkout'],
  ])('links a bundle named in the PR body: %s', async (line) => {
    const output = await runSpecBundle({
      base: withBundle,
      head: { ...withBundle, 'src/app.ts': big },
      pullRequest: { body: `Adds the checkout page.\n\n${line}\n`, headBranch: 'wip' },
    });
    expect(output.findings).toEqual([]);
    expect(output.summary).toBe('Linked bundle spec/checkout (complete).');
  });

  it('ignores a Spec line inside an HTML comment (PR template instructions)', async () => {
    const output = await runSpecBundle({
      base: withBundle,
      head: { ...withBundle, 'src/app.ts': big },
      pullRequest: { body: '<!--\nSpec: spec/checkout\n-->\nAdds the page.', headBranch: 'wip' },
    });
    expect(ruleIds(output)).toEqual(['missing-link']);
  });

  it('links a bundle by label, under either layout', async () => {
    const tree = { ...withBundle, ...specKit };
    const output = await runSpecBundle({
      base: tree,
      head: { ...tree, 'src/app.ts': big },
      pullRequest: { labels: ['enhancement', 'spec:checkout', 'Spec:001-checkout'], headBranch: 'wip' },
    });
    expect(output.findings).toEqual([]);
    expect(output.summary).toBe('Linked bundles spec/checkout (complete) and specs/001-checkout (complete).');
  });

  it.each(['checkout', 'feat/checkout', 'refs/heads/alice/checkout'])('links a bundle by branch name %s', async (branch) => {
    const output = await runSpecBundle({ base: withBundle, head: { ...withBundle, 'src/app.ts': big }, pullRequest: { headBranch: branch } });
    expect(output.findings).toEqual([]);
    expect(output.summary).toBe('Linked bundle spec/checkout (complete).');
  });

  it('does not link by a branch that only contains the feature name', async () => {
    const output = await runSpecBundle({
      base: withBundle,
      head: { ...withBundle, 'src/app.ts': big },
      pullRequest: { headBranch: 'checkout-redesign' },
    });
    expect(ruleIds(output)).toEqual(['missing-link']);
  });

  it('without PR metadata, links touched bundles and the head branch', async () => {
    const head = { ...specKit, 'src/app.ts': big };
    const byBranch = await runSpecBundle({ base: specKit, head, headRef: '001-checkout' });
    expect(byBranch.findings).toEqual([]);
    expect(byBranch.summary).toBe('Linked bundle specs/001-checkout (complete).');

    const detached = await runSpecBundle({ base: specKit, head, headRef: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3' });
    const finding = only(detached, 'missing-link');
    expect(finding.message).toContain('Name the branch after the feature folder');
    expect(finding.message).not.toContain('no-spec');
  });

  it('a PR message explains every way to link, and the waiver', async () => {
    const output = await runSpecBundle({ base: {}, head: { 'src/app.ts': big }, pullRequest: { headBranch: 'wip' } });
    const message = only(output, 'missing-link').message;
    expect(message).toContain('`Spec: spec/<feature>`');
    expect(message).toContain('`spec:<feature>`');
    expect(message).toContain('spec/<feature> or specs/<feature>');
    expect(message).toContain('`no-spec`');
    expect(message).toContain('`No-spec reason: ...`');
  });

  it('checks a linked bundle even when the change is small', async () => {
    const head = { ...withBundle, 'spec/checkout/plan.md': '# Plan\n\nTBD\n' };
    const output = await runSpecBundle({ base: withBundle, head });
    expect(ruleIds(output)).toEqual(['missing-heading']);
    expect(output.summary).toBe('Linked bundle spec/checkout (1 problem).');
  });

  it('ignores touched bundle files outside the check paths', async () => {
    const head = { ...withBundle, 'spec/checkout/plan.md': '# Plan\n' };
    const output = await runSpecBundle({ base: withBundle, head }, { inScope: (path) => !path.startsWith('spec/') });
    expect(output.findings).toEqual([]);
  });
});

describe('spec-bundle: waiver', () => {
  const head = { 'src/app.ts': big };

  it.each([
    'No-spec reason: mechanical rename of the API client, no behaviour change',
    'no spec reason: mechanical rename of the API client, no behaviour change',
    '**Reason:** mechanical rename of the API client, no behaviour change',
  ])('accepts the waiver label with a reason (%s) as a notice', async (line) => {
    const output = await runSpecBundle({
      base: {},
      head,
      pullRequest: { labels: ['no-spec'], body: `Renames things.\n\n${line}\n`, headBranch: 'rename' },
    });
    const finding = only(output, 'waived');
    expect(finding.severity).toBe('notice');
    expect(finding.message).toContain('Reason: mechanical rename of the API client, no behaviour change');
    expect(output.findings).toHaveLength(1);
    expect(output.summary).toBe('600 lines added outside lock, generated and vendored files; spec requirement waived with the `no-spec` label.');
  });

  it.each([
    ['no reason line', 'Renames things.'],
    ['an empty reason', 'No-spec reason:'],
    ['a template placeholder', 'No-spec reason: <why no spec is needed>'],
    ['a reason only inside a comment', '<!-- No-spec reason: explain -->'],
  ])('rejects the waiver label with %s', async (_case, body) => {
    const output = await runSpecBundle({ base: {}, head, pullRequest: { labels: ['No-Spec'], body, headBranch: 'rename' } });
    const finding = only(output, 'waiver-missing-reason');
    expect(finding.severity).toBe('error');
    expect(finding.message).toContain('`No-spec reason: <why this change needs no spec>`');
    expect(ruleIds(output)).toEqual(['waiver-missing-reason']);
  });

  it('reads the reason line after the configured waiver label', async () => {
    const output = await runSpecBundle(
      { base: {}, head, pullRequest: { labels: ['skip-spec'], body: 'Skip-spec reason: dependency bump', headBranch: 'deps' } },
      { options: { waiverLabel: 'skip-spec' } },
    );
    expect(ruleIds(output)).toEqual(['waived']);
  });

  it('says nothing about the waiver on a small change', async () => {
    const output = await runSpecBundle({ base: {}, head: { 'src/app.ts': codeLines(5) }, pullRequest: { labels: ['no-spec'] } });
    expect(output.findings).toEqual([]);
  });

  it('prefers a linked bundle over the waiver', async () => {
    const output = await runSpecBundle({
      base: bundle,
      head: { ...bundle, ...head },
      pullRequest: { labels: ['no-spec'], body: 'Spec: spec/checkout', headBranch: 'wip' },
    });
    expect(output.findings).toEqual([]);
    expect(output.summary).toBe('Linked bundle spec/checkout (complete).');
  });
});

describe('spec-bundle: links to missing bundles', () => {
  it('names a bundle the PR body links that does not exist', async () => {
    const output = await runSpecBundle({
      base: bundle,
      head: { ...bundle, 'src/app.ts': codeLines(20) },
      pullRequest: { body: 'Checkout tweaks.\n\nSpec: spec/chekout\n', headBranch: 'wip' },
    });
    const finding = only(output, 'unknown-bundle');
    expect(finding.severity).toBe('error');
    expect(finding.message).toContain('`Spec: spec/chekout` (PR body, line 3)');
    expect(finding.message).toContain('spec/chekout/ does not exist on the head commit');
    expect(output.summary).toContain('1 spec link leads to no bundle.');
  });

  it('names a label that links no bundle under any root', async () => {
    const output = await runSpecBundle({ base: {}, head: { 'src/app.ts': codeLines(20) }, pullRequest: { labels: ['spec:search'] } });
    expect(only(output, 'unknown-bundle').message).toContain(
      'the label `spec:search` links a spec bundle, but no folder spec/search/ or specs/search/ exists on the head commit',
    );
  });

  it('names a Spec line that points outside every spec root', async () => {
    const output = await runSpecBundle({
      base: {},
      head: { 'src/app.ts': codeLines(20) },
      pullRequest: { body: 'Spec: docs/design/checkout.md' },
    });
    expect(only(output, 'unknown-bundle').message).toContain('it names no folder under spec/ or specs/');
  });

  it('still requires a link when the only link is broken', async () => {
    const output = await runSpecBundle({ base: {}, head: { 'src/app.ts': big }, pullRequest: { body: 'Spec: spec/nope' } });
    expect(ruleIds(output)).toEqual(['missing-link', 'unknown-bundle']);
  });

  it('says so when the linked bundle is deleted in the same change', async () => {
    const output = await runSpecBundle({
      base: { ...bundle, 'src/app.ts': 'x\n' },
      head: { 'src/app.ts': 'y\n' },
      pullRequest: { body: 'Spec: spec/checkout', headBranch: 'wip' },
    });
    expect(only(output, 'unknown-bundle').message).toContain('spec/checkout/ is deleted in this change');
    expect(only(output, 'bundle-deleted').severity).toBe('warning');
  });
});

describe('spec-bundle: deleted bundles', () => {
  it('warns when a change deletes a whole bundle, without linking it', async () => {
    const output = await runSpecBundle({ base: { ...bundle, 'README.md': 'shop\n' }, head: { 'README.md': 'shop\n' } });
    const finding = only(output, 'bundle-deleted');
    expect(finding).toMatchObject({ severity: 'warning', title: 'Spec bundle deleted' });
    expect(finding.message).toContain('deletes the spec bundle spec/checkout/ (4 files)');
    expect(output.findings).toHaveLength(1);
    expect(output.summary).toContain('Deleted bundle spec/checkout/.');
  });

  it('does not report a bundle folder that was renamed', async () => {
    const head: MemoryTree = {};
    const renames: Record<string, string> = {};
    for (const [path, text] of Object.entries(bundle)) {
      const moved = path.replace('spec/checkout/', 'spec/payments/');
      head[moved] = text;
      renames[moved] = path;
    }
    const output = await runSpecBundle({ base: bundle, head, renames });
    expect(output.findings).toEqual([]);
    expect(output.summary).toBe('Linked bundle spec/payments (complete).');
  });

  it('reports a file deleted from a bundle that remains', async () => {
    const { ['spec/checkout/plan.md']: _removed, ...head } = bundle;
    const output = await runSpecBundle({ base: bundle, head });
    expect(only(output, 'missing-file')).toMatchObject({ path: 'spec/checkout/plan.md', severity: 'error' });
    expect(ruleIds(output)).toEqual(['missing-file']);
  });
});
