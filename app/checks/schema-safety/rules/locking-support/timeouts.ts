import { nodeBody, stringValue } from '../../sql/ast.js';
import type { MigrationRuleContext, ParsedMigration, SqlStatement } from '../../types.js';
import type { LockUse } from './locks.js';
import { blocksWrites, hasLockFreeAlternative, locksOf, onExistingTable } from './locks.js';
import { changeModel } from './model.js';
import { inTransactionBlock, transactionControl } from './transactions.js';

/** Starting points: long enough for a catalog change, short enough that a queue behind it clears in seconds. */
export const LOCK_TIMEOUT = '5s';
export const STATEMENT_TIMEOUT = '1min';

type Setting = 'lock_timeout' | 'statement_timeout';

interface SettingChange {
  name: Setting | 'all';
  /** false: set to 0 / DEFAULT / RESET, i.e. no timeout. */
  enabled: boolean;
  local: boolean;
}

const ZERO = /^\s*0+(\.0+)?\s*[a-z]*\s*$/i;

/** `0`, `'0'`, `'0s'`: a timeout of zero means no timeout. */
function isZeroValue(value: unknown): boolean {
  const constant = nodeBody<{ ival?: { ival?: number }; fval?: { fval?: string } }>(value, 'A_Const');
  if (constant?.ival) return (constant.ival.ival ?? 0) === 0;
  if (constant?.fval) return Number(constant.fval.fval ?? '0') === 0;
  const text = stringValue(value);
  return text !== undefined && ZERO.test(text);
}

function isTimeout(name: string | undefined): name is Setting {
  return name === 'lock_timeout' || name === 'statement_timeout';
}

/** `SET [LOCAL] lock_timeout = ...`, `RESET ...`, `SELECT set_config('lock_timeout', ..., is_local)`. */
function settingChanges(statement: SqlStatement): SettingChange[] {
  const set = nodeBody<{ kind?: string; name?: string; args?: unknown[]; is_local?: boolean }>(statement.node, 'VariableSetStmt');
  if (set) {
    if (set.kind === 'VAR_RESET_ALL') return [{ name: 'all', enabled: false, local: false }];
    const name = set.name?.toLowerCase();
    if (!isTimeout(name)) return [];
    const enabled = set.kind === 'VAR_SET_VALUE' && !isZeroValue(set.args?.[0]);
    return [{ name, enabled, local: set.is_local === true }];
  }
  const changes: SettingChange[] = [];
  const select = nodeBody<{ targetList?: unknown[] }>(statement.node, 'SelectStmt');
  for (const target of select?.targetList ?? []) {
    const call = nodeBody<{ funcname?: unknown[]; args?: unknown[] }>(nodeBody<{ val?: unknown }>(target, 'ResTarget')?.val, 'FuncCall');
    const fn = call?.funcname?.map((part) => stringValue(part)).at(-1);
    if (fn !== 'set_config') continue;
    const name = stringValue(call?.args?.[0])?.toLowerCase();
    if (!isTimeout(name)) continue;
    const value = stringValue(call?.args?.[1]);
    const local = nodeBody<{ boolval?: { boolval?: boolean } }>(call?.args?.[2], 'A_Const')?.boolval?.boolval === true;
    changes.push({ name, enabled: value !== undefined && !ZERO.test(value), local });
  }
  return changes;
}

export interface TimeoutPoint {
  statement: SqlStatement;
  use: LockUse;
  lockTimeoutSet: boolean;
  statementTimeoutSet: boolean;
}

export interface TimeoutAnalysis {
  /** The first statement that takes a write-blocking lock on a table that existed before the change. */
  firstBlockingLock?: TimeoutPoint;
  /** The first statement that scans, rewrites or builds an index while holding such a lock. */
  firstLongLock?: TimeoutPoint;
}

const analyses = new WeakMap<MigrationRuleContext, WeakMap<ParsedMigration, TimeoutAnalysis>>();

/**
 * Walks the file in order, tracking lock_timeout and statement_timeout (SET LOCAL ends with the
 * transaction), and notes the first statements that need them. Shared by require-timeout-settings,
 * require-lock-timeout and require-statement-timeout so they split the cases between them.
 */
export function timeoutAnalysis(file: ParsedMigration, ctx: MigrationRuleContext): TimeoutAnalysis {
  let byFile = analyses.get(ctx);
  if (!byFile) {
    byFile = new WeakMap();
    analyses.set(ctx, byFile);
  }
  const cached = byFile.get(file);
  if (cached) return cached;

  const model = changeModel(file, ctx);
  const state = { lock_timeout: { on: false, local: false }, statement_timeout: { on: false, local: false } };
  const result: TimeoutAnalysis = {};
  for (const statement of file.statements) {
    for (const change of settingChanges(statement)) {
      const targets: Setting[] = change.name === 'all' ? ['lock_timeout', 'statement_timeout'] : [change.name];
      for (const target of targets) state[target] = { on: change.enabled, local: change.local && inTransactionBlock(file, ctx, statement) };
    }
    const control = transactionControl(statement);
    if (control === 'commit' || control === 'rollback') {
      for (const setting of Object.values(state)) if (setting.local) setting.on = false;
    }
    if (hasLockFreeAlternative(statement, ctx.pgVersion)) continue;
    const at = model.positionOf(file, statement);
    const uses = locksOf(statement, ctx.pgVersion).filter((use) => blocksWrites(use.mode) && onExistingTable(use, model, at));
    const blocking = uses[0];
    if (blocking && !result.firstBlockingLock) result.firstBlockingLock = { statement, use: blocking, lockTimeoutSet: state.lock_timeout.on, statementTimeoutSet: state.statement_timeout.on };
    const long = uses.find((use) => use.longUnderLock);
    if (long && !result.firstLongLock) result.firstLongLock = { statement, use: long, lockTimeoutSet: state.lock_timeout.on, statementTimeoutSet: state.statement_timeout.on };
    if (result.firstBlockingLock && result.firstLongLock) break;
  }
  byFile.set(file, result);
  return result;
}
