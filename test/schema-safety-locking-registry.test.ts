import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { lockingRules } from '../app/checks/schema-safety/rules/locking.js';
import { lintMigrationFiles } from '../app/checks/schema-safety/static.js';

const CHECK_DIR = fileURLToPath(new URL('../app/checks/schema-safety/', import.meta.url));

/** squawk's ids this module covers, plus postgres-language-server's avoid-wide-lock-window. */
const EXPECTED_IDS = [
  'adding-field-with-default',
  'adding-foreign-key-constraint',
  'adding-not-nullable-field',
  'adding-required-field',
  'adding-serial-primary-key-field',
  'avoid-wide-lock-window',
  'ban-alter-domain-with-add-constraint',
  'ban-concurrent-index-creation-in-transaction',
  'ban-uncommitted-transaction',
  'changing-column-type',
  'constraint-missing-not-valid',
  'disallowed-unique-constraint',
  'prefer-repack',
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'require-concurrent-partition-detach',
  'require-concurrent-reindex',
  'require-lock-timeout',
  'require-statement-timeout',
  'require-timeout-settings',
  'transaction-nesting',
];

/**
 * For every rule, a migration where `statement` triggers it on an existing table; `before` and
 * `after` are the statements around it.
 */
const SAMPLES: Record<string, { before?: string; statement: string; after?: string; inTransaction?: boolean }> = {
  'adding-field-with-default': { statement: 'alter table public.orders add column code uuid default gen_random_uuid();' },
  'adding-foreign-key-constraint': { statement: 'alter table public.orders add constraint orders_user_fk foreign key (user_id) references public.users (id);' },
  'adding-not-nullable-field': { statement: 'alter table public.orders alter column note set not null;' },
  'adding-required-field': { statement: 'alter table public.orders add column code text not null;' },
  'adding-serial-primary-key-field': { statement: 'alter table public.orders add primary key (id);' },
  'avoid-wide-lock-window': { before: 'alter table public.orders add column note text;', statement: 'alter table public.customers add column note text;' },
  'ban-alter-domain-with-add-constraint': { statement: "alter domain public.email add constraint email_check check (value like '%@%');" },
  'ban-concurrent-index-creation-in-transaction': {
    before: 'alter table public.orders add column note text;',
    statement: 'create index concurrently orders_note_idx on public.orders (note);',
  },
  'ban-uncommitted-transaction': { statement: 'begin;', after: 'create table public.audit (id bigint);', inTransaction: false },
  'changing-column-type': { statement: 'alter table public.orders alter column id type bigint;' },
  'constraint-missing-not-valid': { statement: 'alter table public.orders add constraint orders_total_check check (total >= 0);' },
  'disallowed-unique-constraint': { statement: 'alter table public.orders add constraint orders_code_key unique (code);' },
  'prefer-repack': { statement: 'cluster public.orders using orders_pkey;' },
  'require-concurrent-index-creation': { statement: 'create index orders_note_idx on public.orders (note);' },
  'require-concurrent-index-deletion': { statement: 'drop index public.orders_note_idx;' },
  'require-concurrent-partition-detach': { statement: 'alter table public.events detach partition public.events_2023;' },
  'require-concurrent-reindex': { statement: 'reindex table public.orders;' },
  'require-lock-timeout': { before: "set statement_timeout = '1min';", statement: 'alter table public.orders add column note text;' },
  'require-statement-timeout': { before: "set lock_timeout = '5s';", statement: 'alter table public.orders alter column id type bigint;' },
  'require-timeout-settings': { statement: 'alter table public.orders add column note text;' },
  'transaction-nesting': { statement: 'begin;', after: 'select 1;' },
};

async function lint(id: string, text: string, inTransaction = true) {
  const rule = lockingRules.find((candidate) => candidate.meta.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return lintMigrationFiles([{ path: 'supabase/migrations/20240601120000_sample.sql', text }], { pgVersion: 15, inTransaction, exposedSchemas: ['public'], rules: [rule] });
}

function sampleText(id: string, waiver?: string): string {
  const sample = SAMPLES[id];
  if (!sample) throw new Error(`no sample for ${id}`);
  return [sample.before, waiver, sample.statement, sample.after].filter((line): line is string => line !== undefined).join('\n');
}

describe('locking rule registry', () => {
  it('lists each expected rule once, with a severity, a description and its docs URL', () => {
    expect(lockingRules.map((rule) => rule.meta.id).sort()).toEqual(EXPECTED_IDS);
    for (const { meta } of lockingRules) {
      expect(['error', 'warning', 'notice']).toContain(meta.defaultSeverity);
      expect(meta.description.length).toBeGreaterThan(40);
      expect(meta.docsUrl).toBe(`https://github.com/platform-kit/platform-kit/blob/main/app/checks/schema-safety/docs/${meta.id}.md`);
    }
  });

  it.each(EXPECTED_IDS.map((id) => [id]))('documents %s: what, why, bad and good, severity, waiver, configuration', (id) => {
    const path = `${CHECK_DIR}docs/${id}.md`;
    expect(existsSync(path)).toBe(true);
    const doc = readFileSync(path, 'utf8');
    const meta = lockingRules.find((rule) => rule.meta.id === id)?.meta;
    expect(doc).toMatch(new RegExp(`^# schema-safety/${id}\\n`));
    expect(doc).toContain(`Default severity: **${meta?.defaultSeverity}**`);
    expect(doc).toContain(`Fixable: ${meta?.fixable ? 'yes' : 'no'}`);
    for (const section of ['## What it catches', '## Why', '## How to fix', '## Severity', '## Waive', '## Configure']) expect(doc).toContain(section);
    expect(doc).toMatch(/Bad/);
    expect(doc).toMatch(/Good/);
    expect(doc).toContain(`platform-kit-ignore ${id}: `);
  });

  it('documents how the two index rules fit the Supabase CLI in both docs', () => {
    for (const id of ['require-concurrent-index-creation', 'ban-concurrent-index-creation-in-transaction']) {
      const doc = readFileSync(`${CHECK_DIR}docs/${id}.md`, 'utf8');
      expect(doc).toContain('## Under the Supabase CLI');
      expect(doc).toContain('supabase/cli#2898');
    }
  });
});

describe('waivers', () => {
  it.each(EXPECTED_IDS.map((id) => [id]))('%s: a waiver before the statement suppresses the finding; an unused one is reported', async (id) => {
    const inTransaction = SAMPLES[id]?.inTransaction ?? true;
    const plain = (await lint(id, sampleText(id), inTransaction)).filter((finding) => finding.ruleId === id);
    expect(plain.length).toBeGreaterThan(0);

    const waived = await lint(id, sampleText(id, `-- platform-kit-ignore ${id}: reviewed, the table is small`), inTransaction);
    expect(waived.filter((finding) => finding.ruleId === id)).toHaveLength(plain.length - 1);
    expect(waived.filter((finding) => finding.ruleId === 'unused-waiver')).toEqual([]);

    const unused = await lint(id, `-- platform-kit-ignore ${id}: nothing to waive here\nselect 1;`, inTransaction);
    expect(unused.filter((finding) => finding.ruleId === 'unused-waiver').map((finding) => finding.startLine)).toEqual([1]);
  });
});
