import { describe, expect, it } from '@jest/globals';
import type { Finding } from '../app/checks/types.js';
import { rule as addingForeignKeyConstraint } from '../app/checks/schema-safety/rules/adding-foreign-key-constraint.js';
import { rule as banAlterDomainWithAddConstraint } from '../app/checks/schema-safety/rules/ban-alter-domain-with-add-constraint.js';
import { rule as constraintMissingNotValid } from '../app/checks/schema-safety/rules/constraint-missing-not-valid.js';
import { lintMigrationFiles } from '../app/checks/schema-safety/static.js';
import type { MigrationRule } from '../app/checks/schema-safety/types.js';

type Files = Record<string, string>;

async function lint(rule: MigrationRule, files: Files | string, options: { pgVersion?: number; inTransaction?: boolean } = {}): Promise<Finding[]> {
  const entries = typeof files === 'string' ? { '20240601120000_change.sql': files } : files;
  const findings = await lintMigrationFiles(
    Object.entries(entries).map(([name, text]) => ({ path: `supabase/migrations/${name}`, text })),
    { pgVersion: options.pgVersion ?? 15, inTransaction: options.inTransaction ?? true, exposedSchemas: ['public'], rules: [rule] },
  );
  return findings.filter((finding) => finding.ruleId === rule.meta.id);
}

const column = (line: string, fragment: string): number => line.indexOf(fragment) + 1;

describe('adding-foreign-key-constraint', () => {
  it('reports a validated foreign key at the constraint, with NOT VALID and a VALIDATE migration', async () => {
    const line = 'alter table public.orders add constraint orders_user_fk foreign key (user_id) references public.users (id);';
    const [finding, ...rest] = await lint(addingForeignKeyConstraint, { '20240601120000_orders_fk.sql': `select 1;\n${line}\n` });
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'warning', startLine: 2, endLine: 2, startColumn: column(line, 'constraint orders_user_fk') });
    expect(finding?.suggestion).toBe(`${line.slice(0, -1)} NOT VALID;`);
    // Statement index 1: one second per statement after the file's own version.
    expect(finding?.fix).toEqual({
      kind: 'write-file',
      path: 'supabase/migrations/20240601120002_validate_orders_user_fk.sql',
      description: 'Validate orders_user_fk in a migration of its own',
      content:
        '-- Validates orders_user_fk after the NOT VALID constraint committed: the scan takes SHARE UPDATE EXCLUSIVE, so reads and writes go on.\n' +
        'ALTER TABLE public.orders VALIDATE CONSTRAINT orders_user_fk;\n',
    });
  });

  it('names an unnamed foreign key so the VALIDATE can refer to it', async () => {
    const [finding] = await lint(addingForeignKeyConstraint, 'alter table orders add foreign key (user_id) references users (id) on delete cascade;');
    expect(finding?.suggestion).toBe('alter table orders add CONSTRAINT orders_user_id_fkey foreign key (user_id) references users (id) on delete cascade NOT VALID;');
    expect(finding?.fix).toMatchObject({ content: expect.stringContaining('ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;') });
  });

  it('splits ADD COLUMN ... REFERENCES into the column and a NOT VALID foreign key', async () => {
    const line = 'alter table public.profiles add column org_id uuid references public.orgs (id) on delete set null;';
    const [finding] = await lint(addingForeignKeyConstraint, line);
    expect(finding).toMatchObject({ startLine: 1, startColumn: column(line, 'references') });
    expect(finding?.suggestion).toBe(
      'alter table public.profiles add column org_id uuid;\n' +
        'ALTER TABLE public.profiles ADD CONSTRAINT profiles_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.orgs (id) on delete set null NOT VALID;',
    );
  });

  it('gives the SQL without a file when no version slot is free before the next migration', async () => {
    const files = {
      '20240601120000_fk.sql': 'alter table orders add constraint orders_user_fk foreign key (user_id) references users (id);',
      '20240601120001_next.sql': 'select 1;',
    };
    const [finding] = await lint(addingForeignKeyConstraint, files);
    expect(finding?.fix).toBeUndefined();
    expect(finding?.suggestion).toContain('NOT VALID');
    expect(finding?.message).toContain('ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;');
  });

  it('accepts NOT VALID, foreign keys in CREATE TABLE, and tables created earlier in the change', async () => {
    const files = {
      '20240601120000_tables.sql': [
        'create table public.emails (id bigint primary key, user_id uuid references auth.users (id));',
        'alter table public.orders add constraint orders_user_fk foreign key (user_id) references public.users (id) not valid;',
      ].join('\n'),
      '20240601130000_more.sql': [
        'alter table public.emails add constraint emails_user_fk foreign key (user_id) references auth.users (id);',
        'alter table public.emails add column org_id uuid references public.orgs (id);',
      ].join('\n'),
    };
    expect(await lint(addingForeignKeyConstraint, files)).toEqual([]);
  });
});

describe('constraint-missing-not-valid', () => {
  it('reports a CHECK added without NOT VALID at the constraint', async () => {
    const line = 'alter table public.accounts add constraint positive_balance check (balance >= 0);';
    const [finding] = await lint(constraintMissingNotValid, line);
    expect(finding).toMatchObject({ severity: 'warning', startLine: 1, startColumn: column(line, 'constraint') });
    expect(finding?.suggestion).toBe('alter table public.accounts add constraint positive_balance check (balance >= 0) NOT VALID;');
    expect(finding?.fix).toMatchObject({ kind: 'write-file', content: expect.stringContaining('ALTER TABLE public.accounts VALIDATE CONSTRAINT positive_balance;') });
  });

  it('names an unnamed CHECK after its first column', async () => {
    const [finding] = await lint(constraintMissingNotValid, 'alter table accounts add check (balance >= 0 and credit >= 0);');
    expect(finding?.suggestion).toBe('alter table accounts add CONSTRAINT accounts_balance_check check (balance >= 0 and credit >= 0) NOT VALID;');
  });

  it('reports VALIDATE in the same transaction as its NOT VALID, and moves it to a later file', async () => {
    const sql = [
      'alter table public.accounts add constraint positive_balance check (balance >= 0) not valid;',
      'alter table public.accounts validate constraint positive_balance;',
    ].join('\n');
    const [finding] = await lint(constraintMissingNotValid, sql);
    expect(finding).toMatchObject({ startLine: 2, startColumn: 1, title: 'NOT VALID and VALIDATE in one transaction', suggestion: '' });
    expect(finding?.fix).toMatchObject({ kind: 'write-file', path: 'supabase/migrations/20240601120002_validate_positive_balance.sql' });
    // The same for a foreign key; and not across files, nor across an explicit COMMIT without the runner's transaction.
    const foreignKey = ['alter table a add constraint a_b_fk foreign key (b) references b (id) not valid;', 'alter table a validate constraint a_b_fk;'].join('\n');
    expect(await lint(constraintMissingNotValid, foreignKey)).toHaveLength(1);
    const separated = {
      '20240601120000_add.sql': 'alter table a add constraint a_b_fk foreign key (b) references b (id) not valid;',
      '20240601130000_validate.sql': 'alter table a validate constraint a_b_fk;',
    };
    expect(await lint(constraintMissingNotValid, separated)).toEqual([]);
    const committed = ['begin;', 'alter table a add constraint ck check (x > 0) not valid;', 'commit;', 'alter table a validate constraint ck;'].join('\n');
    expect(await lint(constraintMissingNotValid, committed, { inTransaction: false })).toEqual([]);
    expect(await lint(constraintMissingNotValid, committed, { inTransaction: true })).toHaveLength(0);
  });

  it('leaves foreign keys, UNIQUE and new tables to others', async () => {
    const sql = [
      'alter table public.orders add constraint orders_user_fk foreign key (user_id) references public.users (id);',
      'alter table public.orders add constraint orders_code_key unique (code);',
      'create table public.fresh (age int);',
      'alter table public.fresh add constraint fresh_age check (age > 0);',
    ].join('\n');
    expect(await lint(constraintMissingNotValid, sql)).toEqual([]);
  });
});

describe('ban-alter-domain-with-add-constraint', () => {
  it('reports ADD CONSTRAINT, SET NOT NULL and VALIDATE on an existing domain', async () => {
    const sql = [
      "alter domain public.email add constraint email_check check (value like '%@%');",
      'alter domain public.email set not null;',
      'alter domain public.email add constraint email_len check (length(value) < 255) not valid;',
      'alter domain public.email validate constraint email_len;',
    ].join('\n');
    const findings = await lint(banAlterDomainWithAddConstraint, sql);
    expect(findings.map((finding) => [finding.startLine, finding.startColumn])).toEqual([
      [1, column("alter domain public.email add constraint email_check check (value like '%@%');", 'constraint')],
      [2, 1],
      [4, 1],
    ]);
    expect(findings[0]?.message).toContain('SHARE lock');
  });

  it('leaves domains created in the change alone', async () => {
    const sql = ['create domain public.code as text;', 'alter domain public.code add constraint code_len check (length(value) = 3);'].join('\n');
    expect(await lint(banAlterDomainWithAddConstraint, sql)).toEqual([]);
  });
});
