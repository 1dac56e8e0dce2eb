import type { Fix } from '../../../types.js';
import type { MigrationRuleContext, ParsedMigration, SqlStatement } from '../../types.js';
import { appendToStatement, editFix, followUpFile, mentionedLater, parses, removeStatement, replaceStatement, writeFileFix } from './edits.js';
import { slug } from './names.js';
import { runsOutsideTransaction } from './transactions.js';

export interface Advice {
  /** One sentence (or a few) saying what to do; goes at the end of the message. */
  advice: string;
  suggestion?: string;
  fix?: Fix;
}

/** Why a statement that cannot run in a transaction needs a migration file of its own. */
export function ownFileReason(ctx: MigrationRuleContext, what: string): string {
  return ctx.inTransaction
    ? `${what} cannot run inside a transaction block, and the Supabase CLI runs each migration file in one; a file holding only that statement is the way to run it (supabase/cli#2898)`
    : `${what} cannot run inside a transaction block`;
}

/**
 * Advice for a statement that has to run outside a transaction (`CREATE INDEX CONCURRENTLY`, ...).
 * When it already can (it is alone in its file, or the runner opens no transaction), the rewrite
 * replaces it in place. Otherwise it moves to a new migration file right after this one: the fix
 * writes that file and the suggestion removes the statement here. Moving is not offered when a
 * later statement of the file uses the object (`mentions`), since it would then run too late.
 */
export function runAlone(
  file: ParsedMigration,
  ctx: MigrationRuleContext,
  statement: SqlStatement,
  sql: string,
  options: { name: string; mentions?: string[]; what: string; /** Say why it needs a file of its own (default true). */ explain?: boolean },
): Advice {
  if (!parses(sql)) return { advice: `Run it as \`${sql}\`.` };
  if (runsOutsideTransaction(file, ctx, statement)) {
    const suggestion = replaceStatement(file, statement, sql);
    return {
      advice: ctx.inTransaction
        ? `This file holds only this statement, so it can run as \`${sql}\`; keep it alone in its file.`
        : `Run it as \`${sql}\`.`,
      suggestion,
      fix: editFix(file, statement, suggestion, `Use ${options.what}`),
    };
  }
  const terminated = appendToStatement(sql, ';');
  const blocker = options.mentions?.find((name) => mentionedLater(file, statement, name));
  const followUp = blocker ? undefined : followUpFile(file, ctx, statement, slug(options.name));
  const why = ownFileReason(ctx, options.what);
  const because = options.explain === false ? '' : ` (${why})`;
  if (!followUp) {
    const together = blocker ? ` together with the later statements that use \`${blocker}\`` : '';
    return { advice: `Move it${together} to a migration file of its own, after this one, as \`${terminated}\`${because}.` };
  }
  return {
    advice: `Move it to a migration file of its own, after this one, as \`${terminated}\`${because}. The fix writes ${followUp.path}; the suggestion removes the statement here.`,
    suggestion: removeStatement(file, statement),
    fix: writeFileFix(followUp, `${why}.`, terminated, `Move the statement to ${followUp.path} as ${options.what}`),
  };
}

/**
 * Advice for a statement that must be followed by SQL in a later transaction (`VALIDATE CONSTRAINT`
 * after `NOT VALID`): the suggestion rewrites the statement, the fix writes the follow-up file.
 */
export function rewriteWithFollowUp(
  file: ParsedMigration,
  ctx: MigrationRuleContext,
  statement: SqlStatement,
  rewritten: string,
  followUpSql: string,
  options: { name: string; comment: string; description: string; /** What the follow-up does, e.g. `validate it`; default: its SQL. */ summary?: string },
): Advice {
  if (!parses(rewritten) || !parses(followUpSql)) {
    return { advice: `Write it as \`${rewritten}\`, then, in a later migration file, \`${followUpSql}\`.` };
  }
  const suggestion = replaceStatement(file, statement, rewritten);
  const followUp = followUpFile(file, ctx, statement, slug(options.name));
  if (!followUp) {
    return {
      advice: `Write it as \`${rewritten}\` (the suggestion), then run \`${followUpSql.replaceAll('\n', ' ')}\` in a later migration file, so it commits in a transaction of its own.`,
      suggestion,
    };
  }
  const then = options.summary ?? `run \`${followUpSql.replaceAll('\n', ' ')}\``;
  return {
    advice: `Write it as \`${rewritten}\` (the suggestion), then ${then} in a later migration file, in a transaction of its own: the fix writes ${followUp.path}.`,
    suggestion,
    fix: writeFileFix(followUp, options.comment, followUpSql, options.description),
  };
}
