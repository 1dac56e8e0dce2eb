/**
 * Applies migration files to a shadow database the way the Supabase CLI does, one statement at a
 * time so that a failure points at its statement:
 * - each file runs in its own transaction (the CLI sends a file as one implicitly transactional
 *   batch); the first failing statement rolls the file back and stops everything after it;
 * - statements that cannot run in a transaction block (CREATE/DROP INDEX CONCURRENTLY, REINDEX
 *   CONCURRENTLY, VACUUM, ...) run on their own between two transactions, as the CLI runs them;
 * - a `COMMIT` or `ROLLBACK` written in the file ends the transaction and the rest of the file runs
 *   in a new one; a `BEGIN` inside it changes nothing;
 * - a statement that needs an extension the shadow database cannot load, directly or through an
 *   object an earlier skipped statement would have created, is skipped and recorded: each statement
 *   runs behind a savepoint so the transaction survives that.
 */
import { nodeBody, stringValue } from '../sql/ast.js';
import type { SqlProblem, SqlStatement } from '../types.js';
import { ExtensionGaps } from './extensions.js';
import { createdNames } from './objects.js';
import { ShadowDatabaseClosedError, toShadowSqlError, type ShadowDatabase, type ShadowSqlError } from './types.js';

export interface MigrationToApply {
  /** Repository-relative path. */
  path: string;
  statements: SqlStatement[];
  /** A file that does not parse fails to apply there (the CLI would send it and Postgres would reject it). */
  syntaxError?: SqlProblem;
  /** psql meta-commands removed by the parser: recorded as skipped. */
  metaCommands?: SqlProblem[];
}

export type StatementStatus = 'applied' | 'skipped' | 'failed';

export interface StatementOutcome {
  path: string;
  statement: SqlStatement;
  status: StatementStatus;
  /** For skipped statements: the extension the shadow database could not load. */
  extension?: string;
  /** Why it was skipped or how it failed. */
  message?: string;
  /** Notices Postgres sent while running it. */
  notices: string[];
  durationMs: number;
}

export interface SkippedItem {
  path: string;
  line: number;
  column: number;
  reason: 'meta-command' | 'unavailable-extension';
  message: string;
  extension?: string;
  statement?: SqlStatement;
}

export interface ApplyFailure {
  path: string;
  /** Absent for a file that does not parse. */
  statement?: SqlStatement;
  /** 1-based position in the file: Postgres' error position when it gave one, else the statement's start. */
  line: number;
  column: number;
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
  where?: string;
  kind: 'sql-error' | 'syntax-error' | 'timeout';
}

export interface ApplyResult {
  outcomes: StatementOutcome[];
  skipped: SkippedItem[];
  failure?: ApplyFailure;
  /** Files applied to the end (skipped statements included). */
  appliedFiles: string[];
  /** Files not applied because an earlier one (or this one) failed. */
  notAppliedFiles: string[];
  /** Extensions the database could not load, in the order met. */
  unavailableExtensions: string[];
  durationMs: number;
}

export interface ApplyOptions {
  /** Shared between calls on the same database (base, then head) so that later statements see earlier gaps. */
  gaps?: ExtensionGaps;
}

const SAVEPOINT = 'pk_shadow_statement';

interface TransactionNode {
  kind?: string;
}

/** Statements Postgres refuses inside a transaction block. */
function needsOwnTransaction(statement: SqlStatement): boolean {
  const body = (nodeBody(statement.node) ?? {}) as Record<string, unknown>;
  switch (statement.kind) {
    case 'IndexStmt':
    case 'DropStmt':
      return body.concurrent === true;
    case 'ReindexStmt':
      return ((body.params as unknown[] | undefined) ?? []).some(
        (param) => nodeBody<{ defname?: string }>(param, 'DefElem')?.defname === 'concurrently',
      );
    case 'VacuumStmt':
      return body.is_vacuumcmd === true;
    case 'AlterTableStmt':
      return ((body.cmds as unknown[] | undefined) ?? []).some((command) => {
        const cmd = nodeBody<{ subtype?: string; def?: unknown }>(command, 'AlterTableCmd');
        return cmd?.subtype === 'AT_DetachPartition' && nodeBody<{ concurrent?: boolean }>(cmd.def, 'PartitionCmd')?.concurrent === true;
      });
    case 'ClusterStmt':
    case 'AlterSystemStmt':
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
      return true;
    default:
      return false;
  }
}

/** 1-based line and column in the file of a 0-based code-point offset into the statement's text. */
export function positionInStatement(statement: SqlStatement, codePointOffset: number): { line: number; column: number } {
  let line = statement.line;
  let column = statement.column;
  let seen = 0;
  for (const character of statement.text) {
    if (seen >= codePointOffset) break;
    seen += 1;
    if (character === '\n') {
      line += 1;
      column = 1;
    } else {
      column += 1;
    }
  }
  return { line, column };
}

/** Where a failure is in the file: Postgres' position, a DO block's line, or the statement's start. */
function failureLocation(statement: SqlStatement, error: ShadowSqlError, prefixLength: number): { line: number; column: number } {
  if (error.position !== undefined && error.position - 1 - prefixLength >= 0) {
    return positionInStatement(statement, error.position - 1 - prefixLength);
  }
  const doLine = error.where ? /inline_code_block line (\d+)/.exec(error.where) : null;
  if (doLine && statement.kind === 'DoStmt') {
    const args = (nodeBody<{ args?: unknown[] }>(statement.node, 'DoStmt')?.args ?? []).map((arg) => nodeBody<{ defname?: string; arg?: unknown }>(arg, 'DefElem'));
    const code = stringValue(args.find((arg) => arg?.defname === 'as')?.arg);
    const bodyStart = code ? statement.text.indexOf(code) : -1;
    if (bodyStart >= 0) {
      const start = positionInStatement(statement, [...statement.text.slice(0, bodyStart)].length);
      return { line: start.line + Number(doLine[1]) - 1, column: 1 };
    }
  }
  return { line: statement.line, column: statement.column };
}

function transactionKind(statement: SqlStatement): string | undefined {
  return statement.kind === 'TransactionStmt' ? nodeBody<TransactionNode>(statement.node, 'TransactionStmt')?.kind : undefined;
}

/** Runs SQL that must not fail the apply (rollback after a failure, on a database that may be gone). */
async function quietly(db: ShadowDatabase, sql: string): Promise<void> {
  try {
    await db.exec(sql);
  } catch {
    // The failure being reported already says what went wrong.
  }
}

function notices(db: ShadowDatabase): string[] {
  return [...(db.lastNotices ?? [])];
}

export async function applyMigrations(db: ShadowDatabase, migrations: MigrationToApply[], options: ApplyOptions = {}): Promise<ApplyResult> {
  const started = performance.now();
  const gaps = options.gaps ?? new ExtensionGaps();
  const result: ApplyResult = { outcomes: [], skipped: [], appliedFiles: [], notAppliedFiles: [], unavailableExtensions: [], durationMs: 0 };
  const finish = () => {
    result.unavailableExtensions = [...gaps.extensions];
    result.durationMs = performance.now() - started;
    return result;
  };

  for (const [fileIndex, migration] of migrations.entries()) {
    const failed = await applyFile(db, migration, gaps, result);
    if (failed) {
      result.failure = failed;
      result.notAppliedFiles = migrations.slice(fileIndex).map((file) => file.path);
      return finish();
    }
    result.appliedFiles.push(migration.path);
  }
  return finish();
}

async function applyFile(db: ShadowDatabase, migration: MigrationToApply, gaps: ExtensionGaps, result: ApplyResult): Promise<ApplyFailure | undefined> {
  const { path } = migration;
  for (const meta of migration.metaCommands ?? []) {
    result.skipped.push({ path, line: meta.line, column: meta.column, reason: 'meta-command', message: `psql meta-command skipped: ${meta.message}` });
  }
  if (migration.syntaxError) {
    const { line, column, message } = migration.syntaxError;
    return { path, line, column, message, code: '42601', kind: 'syntax-error' };
  }
  if (migration.statements.length === 0) return undefined;

  let savepointActive = false;
  const begin = async () => {
    await db.exec('begin');
    savepointActive = false;
  };
  await begin();

  for (const statement of migration.statements) {
    const statementStarted = performance.now();
    const record = (status: StatementStatus, extra: Partial<StatementOutcome> = {}) => {
      result.outcomes.push({ path, statement, status, notices: notices(db), durationMs: performance.now() - statementStarted, ...extra });
    };
    const skip = (extension: string, message: string) => {
      record('skipped', { extension, message });
      result.skipped.push({ path, line: statement.line, column: statement.column, reason: 'unavailable-extension', message, extension, statement });
      gaps.addObjects(createdNames(statement), extension);
    };
    const fail = async (error: ShadowSqlError, prefixLength: number): Promise<ApplyFailure> => {
      record('failed', { message: error.message });
      await quietly(db, 'rollback');
      const location = failureLocation(statement, error, prefixLength);
      return {
        path,
        statement,
        ...location,
        message: error.message,
        code: error.code,
        detail: error.detail,
        hint: error.hint,
        where: error.where,
        kind: error.timedOut ? 'timeout' : 'sql-error',
      };
    };

    if (statement.kind === 'CreateExtensionStmt') {
      const name = String(nodeBody<{ extname?: string }>(statement.node, 'CreateExtensionStmt')?.extname ?? '').toLowerCase();
      const available = await db.availableExtensions();
      if (name && !available.has(name)) {
        gaps.addExtension(name);
        skip(name, `extension "${name}" is not available in the shadow database (${db.kind}); statements that depend on it are skipped`);
        continue;
      }
    }

    const transaction = transactionKind(statement);
    if (transaction === 'TRANS_STMT_BEGIN' || transaction === 'TRANS_STMT_START') {
      record('applied', { message: 'the migration already runs in a transaction' });
      continue;
    }
    if (transaction === 'TRANS_STMT_COMMIT' || transaction === 'TRANS_STMT_ROLLBACK') {
      try {
        await db.exec(transaction === 'TRANS_STMT_COMMIT' ? 'commit' : 'rollback');
        record('applied');
        await begin();
        continue;
      } catch (error) {
        return fail(toShadowSqlError(error), 0);
      }
    }

    if (needsOwnTransaction(statement) || transaction) {
      try {
        if (transaction) {
          // The file's own savepoint commands: ours must not sit between them.
          if (savepointActive) await db.exec(`release savepoint ${SAVEPOINT}`);
          savepointActive = false;
        } else {
          await db.exec('commit');
        }
        await db.exec(statement.text);
        record('applied');
        if (!transaction) await begin();
        continue;
      } catch (caught) {
        const error = toShadowSqlError(caught);
        const extension = gaps.explain(error);
        if (extension && !(error instanceof ShadowDatabaseClosedError)) {
          skip(extension, `skipped: ${error.message} (extension "${extension}" is not available in the shadow database)`);
          if (!transaction) await begin();
          continue;
        }
        return fail(error, 0);
      }
    }

    const prefix = savepointActive ? `release savepoint ${SAVEPOINT}; savepoint ${SAVEPOINT};\n` : `savepoint ${SAVEPOINT};\n`;
    try {
      await db.exec(prefix + statement.text);
      savepointActive = true;
      record('applied');
    } catch (caught) {
      const error = toShadowSqlError(caught);
      const extension = error.timedOut || error instanceof ShadowDatabaseClosedError ? undefined : gaps.explain(error);
      if (extension) {
        try {
          await db.exec(`rollback to savepoint ${SAVEPOINT}`);
          savepointActive = true;
        } catch (rollbackError) {
          return fail(toShadowSqlError(rollbackError), 0);
        }
        skip(extension, `skipped: ${error.message} (extension "${extension}" is not available in the shadow database)`);
        continue;
      }
      return fail(error, [...prefix].length);
    }
  }

  try {
    await db.exec('commit');
  } catch (caught) {
    // Deferred constraints fail at commit: the last statement is the closest place to point at.
    const last = migration.statements[migration.statements.length - 1]!;
    const error = toShadowSqlError(caught);
    await quietly(db, 'rollback');
    return { path, statement: last, line: last.line, column: last.column, message: error.message, code: error.code, detail: error.detail, hint: error.hint, kind: error.timedOut ? 'timeout' : 'sql-error' };
  }
  return undefined;
}
