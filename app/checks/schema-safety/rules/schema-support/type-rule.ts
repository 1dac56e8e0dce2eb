import type { MigrationRuleContext, ParsedMigration, RuleHit } from '../../types.js';
import { columnTypeUses, type ColumnTypeUse } from './column-types.js';
import { ChangeView } from './history.js';
import { editsToHit, type TextEdit } from './text.js';
import { rewriteEdits } from './text-type-fix.js';

/** One column a type rule objects to, with its rewrite when there is a mechanical one. */
export interface TypeProblem {
  use: ColumnTypeUse;
  /** How the column reads now and after the fix, for the message: `email varchar(100)`. */
  written: string;
  edit?: TextEdit;
  appended?: string;
}

export interface TypeRuleReport {
  title: string;
  /** The message for the statement's problems (one hit per statement, at the first column). */
  message(problems: TypeProblem[]): string;
  fixDescription: string;
}

/** Runs a per-column type check over every statement; one hit per statement keeps suggestions from conflicting. */
export function checkColumnTypes(
  file: ParsedMigration,
  ctx: MigrationRuleContext,
  inspect: (use: ColumnTypeUse, view: ChangeView) => TypeProblem | undefined,
  report: TypeRuleReport,
): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const statement of file.statements) {
    if (statement.kind !== 'CreateStmt' && statement.kind !== 'AlterTableStmt' && statement.kind !== 'CreateForeignTableStmt') continue;
    const uses = columnTypeUses(file, statement);
    if (uses.length === 0) continue;
    const view = new ChangeView(ctx, file, statement);
    const problems = uses.flatMap((use) => {
      const problem = inspect(use, view);
      return problem ? [problem] : [];
    });
    const first = problems[0];
    if (!first) continue;
    const edits = rewriteEdits(file, statement, problems);
    hits.push({
      statement,
      location: first.use.typeStart,
      title: report.title,
      message: report.message(problems),
      ...editsToHit(file, statement, edits, report.fixDescription),
    });
  }
  return hits;
}

/** `a`, `a and b`, `a, b and c`. */
export function listing(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
