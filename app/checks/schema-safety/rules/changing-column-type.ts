import { nodeBody, typeNameOf } from '../sql/ast.js';
import type { TypeNameNode } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import type { Severity } from '../../types.js';
import { displayName } from './locking-support/names.js';
import { alterTables, columnDefOf } from './locking-support/nodes.js';
import { defineRule, hitAt } from './locking-support/rule.js';

/** Type modifiers as numbers: `varchar(20)` → [20], `numeric(10, 2)` → [10, 2]; [] when unconstrained. */
function typmods(typeName: TypeNameNode | undefined): number[] {
  return (typeName?.typmods ?? []).map((mod) => nodeBody<{ ival?: { ival?: number } }>(mod, 'A_Const')?.ival?.ival ?? 0);
}

const isArray = (typeName: TypeNameNode | undefined): boolean => (typeName?.arrayBounds?.length ?? 0) > 0;

const TEXTUAL = new Set(['varchar', 'text']);

/**
 * Type changes Postgres makes without rewriting the table: the new type is binary-coercible and at
 * least as wide (varchar(n) → varchar(m ≥ n) / text, text → varchar, numeric(p, s) → numeric(p' ≥ p, s),
 * varbit(n) → varbit(m ≥ n), cidr → inet).
 */
function changeIsFree(from: TypeNameNode, to: TypeNameNode): boolean {
  if (isArray(from) !== isArray(to)) return false;
  const [fromName, toName] = [typeNameOf(from), typeNameOf(to)];
  const [fromMods, toMods] = [typmods(from), typmods(to)];
  if (fromName === toName && JSON.stringify(fromMods) === JSON.stringify(toMods)) return true;
  if (TEXTUAL.has(fromName) && TEXTUAL.has(toName)) {
    if (toName === 'text' || toMods.length === 0) return true;
    return fromName === 'varchar' && fromMods.length > 0 && (toMods[0] ?? 0) >= (fromMods[0] ?? 0);
  }
  if ((fromName === 'numeric' && toName === 'numeric') || (fromName === 'varbit' && toName === 'varbit')) {
    if (toMods.length === 0) return true;
    if (fromMods.length === 0) return false;
    return (toMods[0] ?? 0) >= (fromMods[0] ?? 0) && (toMods[1] ?? 0) === (fromMods[1] ?? 0);
  }
  return fromName === 'cidr' && toName === 'inet';
}

/** Target types that are free from the usual source types (varchar → text, a wider varchar or numeric). */
const USUALLY_FREE = new Set(['text', 'varchar', 'numeric', 'inet']);

export const rule = defineRule(
  {
    id: 'changing-column-type',
    defaultSeverity: 'error',
    description:
      'ALTER COLUMN ... TYPE on an existing table rewrites it (and rebuilds its indexes) under an ACCESS EXCLUSIVE lock, except for binary-compatible widenings such as varchar(n) → text.',
    fixable: false,
  },
  (file, ctx) => {
    const hits: RuleHit[] = [];
    for (const info of alterTables(file, ctx)) {
      if (!info.existing) continue;
      for (const command of info.commands) {
        if (command.subtype !== 'AT_AlterColumnType' || !command.name) continue;
        const definition = columnDefOf(command.def);
        const to = definition?.typeName;
        if (!definition || !to) continue;
        const using = definition.raw_default !== undefined;
        const from = info.model.columnType(info.table, command.name, info.at);
        const target = `${typeNameOf(to)}${typmods(to).length ? `(${typmods(to).join(', ')})` : ''}`;
        let severity: Severity | undefined;
        let detail: string;
        if (from && !using && changeIsFree(from, to)) continue;
        if (from && !using && typeNameOf(from) === 'timestamp' && typeNameOf(to) === 'timestamptz' && ctx.pgVersion >= 12) {
          severity = 'notice';
          detail = 'From Postgres 12 timestamp → timestamptz skips the rewrite when the session TimeZone is UTC (the Supabase default); in any other time zone it rewrites.';
        } else if (!from && !using && USUALLY_FREE.has(typeNameOf(to)) && !isArray(to)) {
          severity = 'notice';
          detail = `The change does not say what ${command.name} is now: from varchar (or a narrower ${typeNameOf(to)}) this needs no rewrite; from any other type it rewrites the table.`;
        } else {
          detail = using
            ? 'The USING expression is evaluated for every row: the table and its indexes are rewritten.'
            : `The table and its indexes are rewritten${from ? ` (${typeNameOf(from)} → ${target} is not binary-compatible)` : ''}.`;
        }
        hits.push(
          hitAt(file, info.statement, {
            byteLocation: definition.location,
            severity,
            title: severity === 'notice' ? 'Column type change may rewrite the table' : 'Column type change rewrites the table',
            message:
              `${displayName(info.relation)}.${command.name} changes type to ${target} under an ACCESS EXCLUSIVE lock that blocks reads and writes. ${detail} ` +
              `Clients reading the column may break as well. Instead add a new column of the new type, write to both (a trigger), backfill in batches, switch readers, then drop the old column.`,
          }),
        );
      }
    }
    return hits;
  },
);
