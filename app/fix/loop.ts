import type { Finding } from '../checks/types.js';
import { applyFixes, planFixes, where, type FixConflict, type FixPlan } from './apply.js';

/** Like ESLint: a fix can make room for another (two edits of one statement), so lint and fix again, a bounded number of times. */
export const MAX_FIX_PASSES = 10;

export interface FixLoopOptions<T> {
  /** The folder fixes are applied in; finding paths are relative to it. */
  root: string;
  /** Lints the current state. `touched` and `created` are the files earlier passes changed or created. */
  lint(touched: readonly string[], created: readonly string[]): Promise<T>;
  findings(outcome: T): Finding[];
  /** Runs before each pass writes; throw to refuse (nothing is written then). */
  beforeWrite?(plan: FixPlan, touched: ReadonlySet<string>): Promise<void>;
  maxPasses?: number;
}

export interface FixLoopResult<T> {
  /** The last lint: what remains after the fixes. */
  outcome: T;
  fixed: Finding[];
  /** Every file changed or created, sorted. */
  files: string[];
  created: string[];
  /** Fixes of the remaining findings that could not be applied, with the reason. */
  conflicts: FixConflict[];
  /** Remaining findings with no fix at all. */
  unfixable: Finding[];
  /** Remaining findings whose fix would apply, left because the pass limit was reached. */
  pending: number;
  passes: number;
}

export async function fixUntilStable<T>(options: FixLoopOptions<T>): Promise<FixLoopResult<T>> {
  const maxPasses = options.maxPasses ?? MAX_FIX_PASSES;
  const fixed: Finding[] = [];
  const touched = new Set<string>();
  const created = new Set<string>();
  let outcome = await options.lint([], []);
  let passes = 0;
  const result = (plan: FixPlan, conflicts: FixConflict[], pending: number): FixLoopResult<T> => ({
    outcome,
    fixed,
    files: [...touched].sort(),
    created: [...created].sort(),
    conflicts,
    unfixable: plan.unfixable,
    pending,
    passes,
  });
  for (;;) {
    const plan = planFixes(options.findings(outcome));
    if (plan.units.length === 0) return result(plan, plan.conflicts, 0);
    if (passes >= maxPasses) return result(plan, plan.conflicts, plan.units.length);
    await options.beforeWrite?.(plan, touched);
    const applied = await applyFixes(plan, options.root);
    if (applied.fixed.length === 0) return result(plan, applied.conflicts, 0);
    passes += 1;
    fixed.push(...applied.fixed);
    for (const path of applied.files) touched.add(path);
    for (const path of applied.created) created.add(path);
    outcome = await options.lint([...touched], [...created]);
  }
}

const plural = (count: number, word: string, words = `${word}s`) => `${count} ${count === 1 ? word : words}`;

/** The lines `--fix` prints on stderr. */
export function fixSummary(result: FixLoopResult<unknown>): string {
  const conflicts = result.conflicts.length === 0 ? 'none' : String(result.conflicts.length);
  const lines = [
    `fixed ${plural(result.fixed.length, 'finding')} in ${plural(result.files.length, 'file')}; ` +
      `${result.unfixable.length} not fixable automatically; conflicts: ${conflicts}`,
  ];
  for (const path of result.files) lines.push(`  ${result.created.includes(path) ? 'created' : 'changed'} ${path}`);
  for (const conflict of result.conflicts) lines.push(`  conflict: ${where(conflict.finding)}: ${conflict.reason}`);
  if (result.pending > 0) {
    lines.push(`  stopped after ${plural(result.passes, 'pass', 'passes')}; ${plural(result.pending, 'more fix', 'more fixes')} would apply (run --fix again)`);
  }
  return `${lines.join('\n')}\n`;
}
