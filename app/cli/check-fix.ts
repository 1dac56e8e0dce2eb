import { withDefaultServices } from '../checks/services.js';
import { ChangeSetError, repositoryRoot } from '../git/local-changeset.js';
import { runLocalChecks, UsageError, type LocalCheckOptions, type LocalCheckOutcome } from '../git/run-local-checks.js';
import { fixUntilStable, type FixLoopResult } from '../fix/loop.js';
import { commitOf, commitWithWorkingFiles, uncommittedPaths } from '../fix/git-worktree.js';

type CheckOutcome = Extract<LocalCheckOutcome, { ok: true }>;

export type CheckFixOutcome = { ok: true; fix: FixLoopResult<CheckOutcome> } | Extract<LocalCheckOutcome, { ok: false }>;

/**
 * `platform-kit check --fix`. The checks read commits, so the findings are about HEAD, and the
 * fixes go to the working tree. That is sound only when the working tree holds HEAD for the files
 * the fixes touch: another head is refused, and so is a file with uncommitted changes (its lines
 * may no longer be the ones the findings name). Later passes check HEAD plus the fixed files.
 */
export async function fixCheckCommand(options: LocalCheckOptions): Promise<CheckFixOutcome> {
  // Every pass runs the checks again: one shadow database factory serves them all.
  if (options.services === undefined) return withDefaultServices((services) => fixCheckCommand({ ...options, services }));
  let root: string;
  try {
    root = await repositoryRoot(options.repoDir);
  } catch (error) {
    if (error instanceof ChangeSetError) throw new UsageError(error.message);
    throw error;
  }
  const head = await commitOf(root, 'HEAD');
  if (head === null) throw new UsageError(`--fix needs a commit to check, and ${root} has none yet`);
  if (options.head !== undefined) {
    const named = await commitOf(root, options.head);
    if (named !== null && named !== head) {
      throw new UsageError(`--fix changes the working tree, which is checked out at HEAD; --head ${options.head} names another commit`);
    }
  }

  const first = await runLocalChecks(options);
  if (!first.ok) return first;
  const rerun = async (touched: readonly string[]): Promise<CheckOutcome> => {
    if (touched.length === 0) return first;
    const preview = await commitWithWorkingFiles(root, head, touched);
    const headBranch = first.changeSet.pullRequest?.headBranch;
    const outcome = await runLocalChecks({
      ...options,
      repoDir: root,
      base: first.changeSet.base.ref,
      head: preview,
      ...(options.pullRequest ? { pullRequest: { ...options.pullRequest, ...(headBranch !== undefined ? { headBranch } : {}) } } : {}),
    });
    if (!outcome.ok) throw new Error(`the checks could not run again after --fix: ${outcome.configErrors[0]?.message ?? 'config error'}`);
    return outcome;
  };

  const fix = await fixUntilStable<CheckOutcome>({
    root,
    lint: rerun,
    findings: (outcome) => outcome.results.flatMap((result) => result.findings),
    async beforeWrite(plan, touched) {
      const paths = [...new Set(plan.units.flatMap((unit) => unit.edits.map((edit) => edit.path)))].filter((path) => !touched.has(path));
      const dirty = await uncommittedPaths(root, paths);
      if (dirty.length > 0) {
        throw new UsageError(
          `--fix would change ${dirty.join(', ')}, which ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes; the findings are about HEAD, so commit or stash them first`,
        );
      }
    },
  });
  return { ok: true, fix };
}
