import { findAll, nodeBody, rangeVarName, stringValue } from '../../sql/ast.js';
import type { RangeVar } from '../../sql/ast.js';
import type { SqlStatement } from '../../types.js';
import type { ChangeModel, Position } from './model.js';
import { namesKey, rangeVarKey } from './names.js';
import type { AlterTableCmdNode, ColumnDefNode, ConstraintNode } from './nodes.js';
import { expressionVolatility, isSerialType } from './volatility.js';

/** Postgres table lock modes, weakest first (the numbering of `LOCK TABLE` and lockdefs.h). */
export const LOCK = {
  ACCESS_SHARE: 1,
  ROW_SHARE: 2,
  ROW_EXCLUSIVE: 3,
  SHARE_UPDATE_EXCLUSIVE: 4,
  SHARE: 5,
  SHARE_ROW_EXCLUSIVE: 6,
  EXCLUSIVE: 7,
  ACCESS_EXCLUSIVE: 8,
} as const;

export const LOCK_NAMES = ['', 'ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'];

/** A lock at or above SHARE conflicts with the ROW EXCLUSIVE lock every INSERT, UPDATE and DELETE takes. */
export const blocksWrites = (mode: number): boolean => mode >= LOCK.SHARE;
export const blocksReads = (mode: number): boolean => mode >= LOCK.ACCESS_EXCLUSIVE;

export function lockEffect(mode: number): string {
  if (blocksReads(mode)) return 'blocks reads and writes';
  if (blocksWrites(mode)) return 'blocks writes';
  return 'does not block reads or writes';
}

export interface LockUse {
  /** Table key (`schema.name`), or the index key when only an index is named (`DROP INDEX i`). */
  key: string;
  on: 'table' | 'index';
  /** As written, for messages. */
  name: string;
  mode: number;
  /** The statement holds the lock while it scans, rewrites or builds an index: its duration grows with the table. */
  longUnderLock: boolean;
}

/** The lock one ALTER TABLE subcommand takes on its table, and whether it scans or rewrites under it. */
function alterCommandLock(cmd: AlterTableCmdNode, pgVersion: number): { mode: number; long: boolean } {
  const constraint = nodeBody<ConstraintNode>(cmd.def, 'Constraint');
  switch (cmd.subtype) {
    case 'AT_ValidateConstraint':
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
    case 'AT_AttachPartition':
      return { mode: LOCK.SHARE_UPDATE_EXCLUSIVE, long: false };
    case 'AT_DetachPartition': {
      const concurrent = nodeBody<{ concurrent?: boolean }>(cmd.def, 'PartitionCmd')?.concurrent === true;
      return { mode: concurrent ? LOCK.SHARE_UPDATE_EXCLUSIVE : LOCK.ACCESS_EXCLUSIVE, long: false };
    }
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_DisableTrig':
    case 'AT_EnableTrigAll':
    case 'AT_DisableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrigUser':
      return { mode: LOCK.SHARE_ROW_EXCLUSIVE, long: false };
    case 'AT_AddConstraint': {
      const validates = constraint?.skip_validation !== true;
      if (constraint?.contype === 'CONSTR_FOREIGN') return { mode: LOCK.SHARE_ROW_EXCLUSIVE, long: validates };
      const buildsIndex = ['CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_EXCLUSION'].includes(constraint?.contype ?? '') && !constraint?.indexname;
      return { mode: LOCK.ACCESS_EXCLUSIVE, long: buildsIndex || (validates && constraint?.contype !== 'CONSTR_DEFAULT') };
    }
    case 'AT_SetNotNull':
    case 'AT_AlterColumnType':
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
    case 'AT_SetTableSpace':
    case 'AT_SetAccessMethod':
      return { mode: LOCK.ACCESS_EXCLUSIVE, long: true };
    case 'AT_AddColumn': {
      const column = nodeBody<ColumnDefNode>(cmd.def, 'ColumnDef');
      return { mode: LOCK.ACCESS_EXCLUSIVE, long: column ? addColumnRewrites(column, pgVersion).rewrites : false };
    }
    default:
      return { mode: LOCK.ACCESS_EXCLUSIVE, long: false };
  }
}

export interface RewriteVerdict {
  rewrites: boolean;
  cause?: 'default' | 'serial' | 'identity' | 'generated';
  /** What makes it rewrite, for messages. */
  reason?: string;
  /** Byte offset of the culprit. */
  location?: number;
  /** True when the default calls a function whose volatility is not known here. */
  uncertain?: boolean;
}

/** Whether `ADD COLUMN` has to write a value into every existing row (a table rewrite). */
export function addColumnRewrites(column: ColumnDefNode, pgVersion: number): RewriteVerdict {
  if (isSerialType(column.typeName)) {
    return { rewrites: true, cause: 'serial', reason: `\`${stringValue(column.typeName?.names?.at(-1)) ?? 'serial'}\` fills every row from a sequence (nextval() is volatile)`, location: column.typeName?.location };
  }
  for (const wrapped of column.constraints ?? []) {
    const constraint = nodeBody<ConstraintNode>(wrapped, 'Constraint');
    if (!constraint) continue;
    if (constraint.contype === 'CONSTR_IDENTITY') {
      return { rewrites: true, cause: 'identity', reason: 'an identity column fills every row from a sequence', location: constraint.location };
    }
    if (constraint.contype === 'CONSTR_GENERATED' && constraint.generated_kind !== 'v') {
      return { rewrites: true, cause: 'generated', reason: 'a STORED generated column is computed and written for every row', location: constraint.location };
    }
    if (constraint.contype === 'CONSTR_DEFAULT') {
      if (nodeBody<{ isnull?: boolean }>(constraint.raw_expr, 'A_Const')?.isnull) continue;
      if (pgVersion < 11) {
        return { rewrites: true, cause: 'default', reason: `before Postgres 11 any default is written into every row`, location: constraint.location };
      }
      const verdict = expressionVolatility(constraint.raw_expr);
      if (verdict.volatility === 'volatile') {
        return { rewrites: true, cause: 'default', reason: `\`${verdict.culprit}\` is VOLATILE, so it is evaluated and written for every row`, location: verdict.location ?? constraint.location };
      }
      if (verdict.volatility === 'unknown') {
        return {
          rewrites: true,
          cause: 'default',
          uncertain: true,
          reason: `if \`${verdict.culprit}\` is VOLATILE it is evaluated and written for every row`,
          location: verdict.location ?? constraint.location,
        };
      }
    }
  }
  return { rewrites: false };
}

function tableUse(rangeVar: RangeVar | undefined, mode: number, longUnderLock: boolean): LockUse[] {
  const key = rangeVarKey(rangeVar);
  return key ? [{ key, on: 'table', name: rangeVarName(rangeVar), mode, longUnderLock }] : [];
}

function dropObjectsLock(removeType: string | undefined, objects: unknown[], concurrent: boolean): LockUse[] {
  const uses: LockUse[] = [];
  for (const object of objects) {
    const items = nodeBody<{ items?: unknown[] }>(object, 'List')?.items ?? [];
    switch (removeType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_MATVIEW':
      case 'OBJECT_FOREIGN_TABLE': {
        const key = namesKey(items);
        if (key) uses.push({ key, on: 'table', name: items.map((item) => stringValue(item)).join('.'), mode: LOCK.ACCESS_EXCLUSIVE, longUnderLock: false });
        break;
      }
      case 'OBJECT_INDEX': {
        const key = namesKey(items);
        const mode = concurrent ? LOCK.SHARE_UPDATE_EXCLUSIVE : LOCK.ACCESS_EXCLUSIVE;
        if (key) uses.push({ key, on: 'index', name: items.map((item) => stringValue(item)).join('.'), mode, longUnderLock: false });
        break;
      }
      case 'OBJECT_POLICY':
      case 'OBJECT_TRIGGER':
      case 'OBJECT_RULE': {
        // [schema.]table.name: the table is every item but the last.
        const table = items.slice(0, -1);
        const key = namesKey(table);
        if (key) uses.push({ key, on: 'table', name: table.map((item) => stringValue(item)).join('.'), mode: LOCK.ACCESS_EXCLUSIVE, longUnderLock: false });
        break;
      }
      default:
        break;
    }
  }
  return uses;
}

/**
 * The table locks a statement takes on the tables it changes, as Postgres documents them (explicit
 * locking, ALTER TABLE notes). The brief SHARE ROW EXCLUSIVE lock a foreign key takes on the table it
 * references is left out, and statements that only touch catalogs (CREATE FUNCTION, GRANT, COMMENT)
 * are not listed.
 */
export function locksOf(statement: SqlStatement, pgVersion: number): LockUse[] {
  const node = statement.node;
  switch (statement.kind) {
    case 'AlterTableStmt': {
      const alter = nodeBody<{ relation?: RangeVar; cmds?: unknown[]; objtype?: string }>(node, 'AlterTableStmt');
      if (!alter) return [];
      let mode = 0;
      let long = false;
      for (const wrapped of alter.cmds ?? []) {
        const cmd = nodeBody<AlterTableCmdNode>(wrapped, 'AlterTableCmd');
        if (!cmd) continue;
        const lock = alterCommandLock(cmd, pgVersion);
        mode = Math.max(mode, lock.mode);
        long ||= lock.long;
        // Column constraints of an added column validate or build an index under the ADD COLUMN lock.
        const column = nodeBody<ColumnDefNode>(cmd.def, 'ColumnDef');
        for (const wrappedConstraint of column?.constraints ?? []) {
          const contype = nodeBody<ConstraintNode>(wrappedConstraint, 'Constraint')?.contype ?? '';
          if (['CONSTR_FOREIGN', 'CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_CHECK'].includes(contype)) long = true;
        }
      }
      if (alter.objtype === 'OBJECT_INDEX') {
        const key = rangeVarKey(alter.relation);
        return key ? [{ key, on: 'index', name: rangeVarName(alter.relation), mode, longUnderLock: long }] : [];
      }
      return tableUse(alter.relation, mode, long);
    }
    case 'IndexStmt': {
      const index = nodeBody<{ relation?: RangeVar; concurrent?: boolean }>(node, 'IndexStmt');
      return index?.concurrent ? tableUse(index.relation, LOCK.SHARE_UPDATE_EXCLUSIVE, false) : tableUse(index?.relation, LOCK.SHARE, true);
    }
    case 'DropStmt': {
      const drop = nodeBody<{ removeType?: string; objects?: unknown[]; concurrent?: boolean }>(node, 'DropStmt');
      return dropObjectsLock(drop?.removeType, drop?.objects ?? [], drop?.concurrent === true);
    }
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt': {
      const policy = nodeBody<{ table?: RangeVar }>(node, statement.kind);
      return tableUse(policy?.table, LOCK.ACCESS_EXCLUSIVE, false);
    }
    case 'CreateTrigStmt': {
      const trigger = nodeBody<{ relation?: RangeVar }>(node, 'CreateTrigStmt');
      return tableUse(trigger?.relation, LOCK.SHARE_ROW_EXCLUSIVE, false);
    }
    case 'RuleStmt': {
      const rule = nodeBody<{ relation?: RangeVar }>(node, 'RuleStmt');
      return tableUse(rule?.relation, LOCK.ACCESS_EXCLUSIVE, false);
    }
    case 'LockStmt': {
      const lock = nodeBody<{ relations?: unknown[]; mode?: number }>(node, 'LockStmt');
      const mode = lock?.mode ?? LOCK.ACCESS_EXCLUSIVE;
      return (lock?.relations ?? []).flatMap((relation) => tableUse(nodeBody<RangeVar>(relation, 'RangeVar'), mode, false));
    }
    case 'TruncateStmt': {
      const truncate = nodeBody<{ relations?: unknown[] }>(node, 'TruncateStmt');
      return (truncate?.relations ?? []).flatMap((relation) => tableUse(nodeBody<RangeVar>(relation, 'RangeVar'), LOCK.ACCESS_EXCLUSIVE, false));
    }
    case 'ReindexStmt': {
      const reindex = nodeBody<{ kind?: string; relation?: RangeVar; params?: unknown[] }>(node, 'ReindexStmt');
      const concurrent = isConcurrentReindex(reindex?.params);
      const mode = concurrent ? LOCK.SHARE_UPDATE_EXCLUSIVE : LOCK.ACCESS_EXCLUSIVE;
      const key = rangeVarKey(reindex?.relation);
      if (!key) return [];
      const on = reindex?.kind === 'REINDEX_OBJECT_INDEX' ? 'index' : 'table';
      return [{ key, on, name: rangeVarName(reindex?.relation), mode, longUnderLock: !concurrent }];
    }
    case 'VacuumStmt': {
      const vacuum = nodeBody<{ options?: unknown[]; rels?: unknown[] }>(node, 'VacuumStmt');
      const full = isFullVacuum(vacuum?.options);
      const mode = full ? LOCK.ACCESS_EXCLUSIVE : LOCK.SHARE_UPDATE_EXCLUSIVE;
      return findAll<{ relation?: RangeVar }>(vacuum?.rels, 'VacuumRelation').flatMap((relation) => tableUse(relation.relation, mode, full));
    }
    case 'ClusterStmt': {
      const cluster = nodeBody<{ relation?: RangeVar }>(node, 'ClusterStmt');
      return tableUse(cluster?.relation, LOCK.ACCESS_EXCLUSIVE, true);
    }
    case 'RefreshMatViewStmt': {
      const refresh = nodeBody<{ relation?: RangeVar; concurrent?: boolean }>(node, 'RefreshMatViewStmt');
      return tableUse(refresh?.relation, refresh?.concurrent ? LOCK.EXCLUSIVE : LOCK.ACCESS_EXCLUSIVE, true);
    }
    case 'RenameStmt': {
      const rename = nodeBody<{ renameType?: string; relation?: RangeVar }>(node, 'RenameStmt');
      if (rename?.renameType === 'OBJECT_INDEX') {
        const key = rangeVarKey(rename.relation);
        return key ? [{ key, on: 'index', name: rangeVarName(rename.relation), mode: LOCK.SHARE_UPDATE_EXCLUSIVE, longUnderLock: false }] : [];
      }
      if (['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT', 'OBJECT_MATVIEW', 'OBJECT_VIEW'].includes(rename?.renameType ?? '')) {
        return tableUse(rename?.relation, LOCK.ACCESS_EXCLUSIVE, false);
      }
      return [];
    }
    default:
      return [];
  }
}

export function isConcurrentReindex(params: unknown[] | undefined): boolean {
  return (params ?? []).some((param) => {
    const option = nodeBody<{ defname?: string; arg?: unknown }>(param, 'DefElem');
    return option?.defname === 'concurrently' && stringValue(option.arg) !== 'false';
  });
}

export function isFullVacuum(options: unknown[] | undefined): boolean {
  return (options ?? []).some((option) => {
    const element = nodeBody<{ defname?: string; arg?: unknown }>(option, 'DefElem');
    if (element?.defname !== 'full') return false;
    const value = stringValue(element.arg);
    const boolean = nodeBody<{ boolval?: boolean }>(element.arg, 'Boolean');
    return !(value === 'false' || value === 'off' || (boolean && boolean.boolval !== true));
  });
}

/**
 * Whether a lock lands on a table that exists before the change: not one created earlier in the
 * change, nor an index the change built on such a table. An index the change did not create is
 * assumed to sit on an existing table.
 */
export function onExistingTable(use: LockUse, model: ChangeModel, at: Position): boolean {
  if (use.on === 'table') return !model.isNewTable(use.key, at);
  const table = model.indexTable(use.key, at);
  return !(table && model.isNewTable(table, at));
}

/**
 * Statements other rules rewrite away from a blocking lock: index builds, drops and reindexes go
 * CONCURRENTLY (each alone in its file, where a SET would break it), detaches go CONCURRENTLY, and
 * VACUUM FULL / CLUSTER leave migrations. The timeout rules skip them so two rules never advise
 * conflicting edits of one statement.
 */
export function hasLockFreeAlternative(statement: SqlStatement, pgVersion: number): boolean {
  switch (statement.kind) {
    case 'IndexStmt':
    case 'VacuumStmt':
    case 'ClusterStmt':
      return true;
    case 'DropStmt':
      return nodeBody<{ removeType?: string }>(statement.node, 'DropStmt')?.removeType === 'OBJECT_INDEX';
    case 'ReindexStmt':
      return pgVersion >= 12 && nodeBody<{ kind?: string }>(statement.node, 'ReindexStmt')?.kind !== 'REINDEX_OBJECT_SYSTEM';
    case 'AlterTableStmt': {
      const cmds = nodeBody<{ cmds?: unknown[] }>(statement.node, 'AlterTableStmt')?.cmds ?? [];
      return pgVersion >= 14 && cmds.length > 0 && cmds.every((cmd) => nodeBody<AlterTableCmdNode>(cmd, 'AlterTableCmd')?.subtype === 'AT_DetachPartition');
    }
    default:
      return false;
  }
}
