/**
 * Ties a catalog lint result to the statement of the pull request's migrations that made it:
 * the statement that created the object (or, for a policy finding, defined the policy), else the
 * last one that altered it, else the last one that touched it (a GRANT), else the first statement
 * that mentions its name at all.
 */
import type { SqlStatement } from '../types.js';
import type { MigrationToApply } from './apply.js';
import { statementObjects, type ObjectKind, type ObjectRef } from './objects.js';
import type { ShadowLintResult } from './types.js';

export type MappingKind = 'created' | 'altered' | 'referenced' | 'mentioned' | 'unmapped';

export interface LintLocation {
  path: string;
  statement?: SqlStatement;
  /** 1-based. */
  line: number;
  column: number;
  endLine: number;
  mapping: MappingKind;
  /** Says how the location was found when it is not the object's own definition. */
  note?: string;
}

const KINDS_OF_TYPE: Record<string, readonly ObjectKind[]> = {
  table: ['table', 'foreign table'],
  view: ['view'],
  'materialized view': ['materialized view'],
  'foreign table': ['foreign table'],
  function: ['function'],
  procedure: ['function'],
  extension: ['extension'],
  schema: ['schema'],
  index: ['index'],
  sequence: ['sequence'],
  type: ['type'],
};

const TABLE_LEVEL_LINTS = new Set(['policy_exists_rls_disabled', 'rls_disabled_in_public', 'rls_enabled_no_policy']);

interface Candidate {
  migration: MigrationToApply;
  statement: SqlStatement;
  ref: ObjectRef;
}

function sameSchema(refSchema: string | undefined, wanted: string | undefined): boolean {
  // An unqualified name lands in the first schema of the search_path; it could be any.
  return refSchema === undefined || wanted === undefined || refSchema === wanted;
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'string') {
    // Postgres array text (`{a,b}`) when a lint aggregates names into text.
    const inner = value.startsWith('{') && value.endsWith('}') ? value.slice(1, -1) : value;
    return inner.split(',').map((item) => item.trim().replace(/^"|"$/g, '')).filter(Boolean);
  }
  return [];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function at(migration: MigrationToApply, statement: SqlStatement, mapping: MappingKind, note?: string): LintLocation {
  return { path: migration.path, statement, line: statement.line, column: statement.column, endLine: statement.endLine, mapping, ...(note ? { note } : {}) };
}

export function locateLintResult(result: ShadowLintResult, migrations: readonly MigrationToApply[]): LintLocation | undefined {
  const metadata = result.metadata ?? {};
  const schema = typeof metadata.schema === 'string' ? metadata.schema : undefined;
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  const type = typeof metadata.type === 'string' ? metadata.type : undefined;

  const candidates: Candidate[] = migrations.flatMap((migration) =>
    migration.statements.flatMap((statement) => statementObjects(statement).map((ref) => ({ migration, statement, ref }))),
  );
  const last = (matching: Candidate[], actions: ObjectRef['action'][]) => {
    for (const action of actions) {
      const found = matching.filter((candidate) => candidate.ref.action === action).at(-1);
      if (found) return found;
    }
    return undefined;
  };
  const mappingOf = (action: ObjectRef['action']): MappingKind => (action === 'create' ? 'created' : action === 'alter' ? 'altered' : 'referenced');

  // Policy, constraint and index findings point at the sub-object when the lint names it.
  const table = type === 'bucket' ? { schema: 'storage', name: 'objects' } : { schema, name };
  // These are fixed on the table (enable RLS), whatever policies the lint lists.
  const policyNames = TABLE_LEVEL_LINTS.has(result.name) ? [] : [...stringList(metadata.policy_name), ...stringList(metadata.policies)];
  const subObjects: Array<{ kind: ObjectKind; names: string[] }> = [
    { kind: 'policy', names: policyNames },
    { kind: 'constraint', names: stringList(metadata.fkey_name) },
    { kind: 'index', names: stringList(metadata.indexes) },
  ];
  for (const { kind, names } of subObjects) {
    if (names.length === 0) continue;
    const matching = candidates.filter(
      ({ ref }) =>
        ref.kind === kind &&
        names.includes(ref.name) &&
        (!ref.table || !table.name || (ref.table.name === table.name && sameSchema(ref.table.schema, table.schema))),
    );
    const found = last(matching, ['create', 'alter']);
    if (found) return at(found.migration, found.statement, mappingOf(found.ref.action));
  }

  if (name && type !== 'bucket') {
    const kinds = type ? KINDS_OF_TYPE[type] : undefined;
    const matching = candidates.filter(
      ({ ref }) => ref.name === name && sameSchema(ref.schema, schema) && (!kinds || kinds.includes(ref.kind)) && ref.kind !== 'column',
    );
    const created = matching.filter((candidate) => candidate.ref.action === 'create').at(-1);
    if (created) return at(created.migration, created.statement, 'created');
    const touched = last(matching, ['alter', 'reference']);
    if (touched) return at(touched.migration, touched.statement, mappingOf(touched.ref.action));
  }

  const mentionNames = [typeof metadata.bucket_id === 'string' ? metadata.bucket_id : undefined, name].filter((item): item is string => Boolean(item));
  for (const mention of mentionNames) {
    const pattern = new RegExp(`(^|[^A-Za-z0-9_$])${escapeRegExp(mention)}($|[^A-Za-z0-9_$])`, 'i');
    for (const migration of migrations) {
      const statement = migration.statements.find((candidate) => pattern.test(candidate.text));
      if (statement) {
        return at(migration, statement, 'mentioned', `no statement of this change defines ${schema ? `${schema}.` : ''}${mention}; this is the first one that mentions it`);
      }
    }
  }

  const first = migrations.find((migration) => migration.statements.length > 0);
  if (!first) {
    const file = migrations[0];
    return file ? { path: file.path, line: 1, column: 1, endLine: 1, mapping: 'unmapped', note: 'no statement of this change mentions the object' } : undefined;
  }
  return at(first, first.statements[0]!, 'unmapped', 'no statement of this change mentions the object; shown at the first migration of the change');
}
