/**
 * The spec-bundle check over a large generated pull request: 2,000 changed files of which 200 are
 * the files of 50 touched spec bundles (every fifth one incomplete), the rest source files.
 * Measured twice: the engine alone over an in-memory change set, and the CLI's path (a local git
 * change set built from a real repository, then the engine).
 */
import { runChecks } from '../app/checks/engine.js';
import type { ChangeSet, CheckResult } from '../app/checks/types.js';
import { defaultConfig } from '../app/config/schema.js';
import { loadLocalChangeSet } from '../app/git/local-changeset.js';
import { createTempRepo } from '../scripts/lib/temp-repo.js';
import { memoryChangeSet, type MemoryTree } from '../test/helpers/memory-changeset.js';

const BUNDLES = 50;
const CHANGED_FILES = 2_000;
const ITERATIONS = 5;

function bundleFiles(feature: string, complete: boolean): MemoryTree {
  const dir = `spec/${feature}`;
  return {
    [`${dir}/constitution.md`]: `# Constitution\n\n- ${feature} keeps its data in the ops schema.\n`,
    [`${dir}/prd.md`]: complete
      ? `---\ntitle: ${feature}\nstatus: draft\nowner: "@acme/${feature}"\n---\n\n# ${feature}\n\n## Problem\n\n${'Shoppers wait. '.repeat(40)}\n\n## Goals\n\n- Faster.\n`
      : `---\ntitle: ${feature}: broken\nstatus: draft\n---\n\n# ${feature}\n\n## Problem\n\nSlow.\n`,
    [`${dir}/plan.md`]: `# Plan\n\n## Approach\n\n${'Small steps, each behind a flag. '.repeat(30)}\n`,
    [`${dir}/tasks.md`]: complete
      ? `# Tasks\n\n${Array.from({ length: 30 }, (_, i) => `- [${i % 3 === 0 ? 'x' : ' '}] T${String(i + 1).padStart(3, '0')} Task ${i + 1}`).join('\n')}\n`
      : '# Tasks\n\nTo be written.\n',
  };
}

function sourceFile(i: number): string {
  return Array.from({ length: 25 }, (_, line) => `export const value${i}_${line} = ${i * 100 + line};`).join('\n') + '\n';
}

/** The base tree (a few existing files) and the head tree with 2,000 changed files. */
function generatePullRequest(): { base: MemoryTree; head: MemoryTree } {
  const base: MemoryTree = { 'README.md': '# acme\n', 'package.json': '{ "name": "acme" }\n' };
  const head: MemoryTree = { ...base };
  for (let b = 0; b < BUNDLES; b++) Object.assign(head, bundleFiles(`feature-${String(b).padStart(2, '0')}`, b % 5 !== 0));
  const sources = CHANGED_FILES - Object.keys(head).length + Object.keys(base).length;
  for (let i = 0; i < sources; i++) head[`src/module-${Math.floor(i / 100)}/file-${i}.ts`] = sourceFile(i);
  return { base, head };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function timeRuns(makeChangeSet: () => Promise<ChangeSet>): Promise<{ ms: number; setupMs: number; results: CheckResult[] }> {
  const checkTimes: number[] = [];
  const setupTimes: number[] = [];
  let results: CheckResult[] = [];
  // One warm-up run (module loading, JIT), then the median of the timed ones.
  for (let i = 0; i <= ITERATIONS; i++) {
    const setupStart = performance.now();
    const changeSet = await makeChangeSet();
    const checkStart = performance.now();
    results = await runChecks({ changeSet, config: defaultConfig, only: ['spec-bundle'] });
    if (i === 0) continue;
    setupTimes.push(checkStart - setupStart);
    checkTimes.push(performance.now() - checkStart);
  }
  return { ms: median(checkTimes), setupMs: median(setupTimes), results };
}

function rate(files: number, ms: number): string {
  return `${Math.round(files / (ms / 1000)).toLocaleString('en-US')} files/s`;
}

export async function benchSpecBundle(): Promise<string> {
  const { base, head } = generatePullRequest();
  const lines: string[] = [];

  const memory = await timeRuns(async () => memoryChangeSet({ base, head }));
  const files = memoryChangeSet({ base, head }).files.length;
  const findings = memory.results.flatMap((result) => result.findings);
  lines.push(`change: ${files.toLocaleString('en-US')} changed files, ${BUNDLES} touched spec bundles; ${findings.length} findings (${BUNDLES / 5} incomplete bundles)`);
  lines.push(`engine, in-memory change set:   ${memory.ms.toFixed(1)} ms median of ${ITERATIONS}  (${rate(files, memory.ms)})`);

  const repo = await createTempRepo('platform-kit-bench-');
  try {
    await repo.write(base);
    await repo.commit('base');
    await repo.git('checkout', '--quiet', '-b', 'feature');
    await repo.write(head);
    await repo.commit('feature');
    const git = await timeRuns(() => loadLocalChangeSet({ repoDir: repo.dir, base: 'main' }));
    const gitFindings = git.results.flatMap((result) => result.findings).length;
    if (gitFindings !== findings.length) throw new Error(`git change set gave ${gitFindings} findings, in-memory ${findings.length}`);
    lines.push(`engine, local git change set:   ${git.ms.toFixed(1)} ms median of ${ITERATIONS}  (${rate(files, git.ms)}; file reads through git cat-file)`);
    lines.push(`git change set load (3 diffs):  ${git.setupMs.toFixed(1)} ms; CLI path in all ${(git.setupMs + git.ms).toFixed(1)} ms (${rate(files, git.setupMs + git.ms)})`);
  } finally {
    await repo.remove();
  }
  lines.push('peer: none (github/spec-kit has no checker)');
  return lines.join('\n');
}
