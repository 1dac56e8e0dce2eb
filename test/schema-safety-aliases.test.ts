import { describe, expect, it } from '@jest/globals';
import { runChecks } from '../app/checks/engine.js';
import { lintMigrationFiles } from '../app/checks/schema-safety/static.js';
import { loadConfigFile } from '../app/config/load.js';
import { memoryChangeSet } from './helpers/memory-changeset.js';

const ADDED = 'supabase/migrations/20240202000000_events.sql';
const TABLE = 'create table public.events (id bigint generated always as identity primary key, at timestamp not null);\n';
const OPTIONS = { pgVersion: 15, inTransaction: true, exposedSchemas: ['public'] };

describe("squawk's rule ids as aliases", () => {
  it('turn a rule off in the config under squawk’s id', async () => {
    const text = 'checks:\n  schema-safety:\n    shadow:\n      enabled: false\n    rules:\n      prefer-timestamp-tz: off\n';
    const loaded = loadConfigFile(text, 'cfg.yml');
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const changeSet = memoryChangeSet({ base: {}, head: { [ADDED]: TABLE } });
    const [withAlias] = await runChecks({ changeSet, config: loaded.config, only: ['schema-safety'] });
    expect(withAlias?.findings.map((finding) => finding.ruleId)).not.toContain('prefer-timestamptz');

    const plain = loadConfigFile('checks:\n  schema-safety:\n    shadow:\n      enabled: false\n', 'cfg.yml');
    if (!plain.ok) throw new Error(JSON.stringify(plain.errors));
    const [without] = await runChecks({ changeSet, config: plain.config, only: ['schema-safety'] });
    expect(without?.findings.map((finding) => finding.ruleId)).toContain('prefer-timestamptz');
  });

  it('let the rule’s own id win over its alias', async () => {
    const text = 'checks:\n  schema-safety:\n    shadow:\n      enabled: false\n    rules:\n      prefer-timestamp-tz: off\n      prefer-timestamptz: error\n';
    const loaded = loadConfigFile(text, 'cfg.yml');
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const [result] = await runChecks({ changeSet: memoryChangeSet({ base: {}, head: { [ADDED]: TABLE } }), config: loaded.config, only: ['schema-safety'] });
    expect(result?.findings.find((finding) => finding.ruleId === 'prefer-timestamptz')?.severity).toBe('error');
  });

  it('waive a statement under squawk’s id, and count the waiver as used', async () => {
    const waived = `-- platform-kit-ignore prefer-timestamp-tz: wall-clock times of a local calendar\n${TABLE}`;
    const findings = await lintMigrationFiles([{ path: ADDED, text: waived }], OPTIONS);
    expect(findings.map((finding) => finding.ruleId)).not.toContain('prefer-timestamptz');
    expect(findings.map((finding) => finding.ruleId)).not.toContain('unused-waiver');
  });

  it('report a waiver under the alias as unused where the rule does not fire', async () => {
    const text = '-- platform-kit-ignore prefer-timestamp-tz: none here\ncreate table public.t (id bigint generated always as identity primary key);\n';
    const findings = await lintMigrationFiles([{ path: ADDED, text }], OPTIONS);
    const unused = findings.find((finding) => finding.ruleId === 'unused-waiver');
    expect(unused?.message).toMatch(/waives nothing/);
  });
});
