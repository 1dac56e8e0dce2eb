import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specBundleCheck } from '../../app/checks/spec-bundle/index.js';
import { specBundleOptionsSchema, type SpecBundleOptions } from '../../app/checks/spec-bundle/options.js';
import type { CheckContext, CheckOutput, Finding } from '../../app/checks/types.js';
import { memoryChangeSet, readTextFrom, type MemoryChangeSetInput, type MemoryTree } from './memory-changeset.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/spec-bundle/', import.meta.url));

/** A fixture folder under test/fixtures/spec-bundle/ as a tree of repository paths. */
export function fixtureTree(name: string): MemoryTree {
  const root = join(FIXTURES, name);
  const tree: MemoryTree = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else tree[relative(root, full).split(sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return tree;
}

/** `count` distinct lines of code, so the diff counts every one as added. */
export function codeLines(count: number, prefix = 'line'): string {
  return Array.from({ length: count }, (_, index) => `export const ${prefix}${index} = ${index};`).join('\n') + '\n';
}

export interface RunOptions {
  options?: Partial<SpecBundleOptions>;
  inScope?: (path: string) => boolean;
}

export async function runSpecBundle(input: MemoryChangeSetInput, run: RunOptions = {}): Promise<CheckOutput> {
  const changeSet = memoryChangeSet(input);
  const ctx: CheckContext<SpecBundleOptions> = {
    changeSet,
    options: specBundleOptionsSchema.parse(run.options ?? {}),
    inScope: run.inScope ?? (() => true),
    readText: readTextFrom(changeSet),
    services: {},
  };
  return specBundleCheck.run(ctx);
}

export function ruleIds(output: CheckOutput): string[] {
  return output.findings.map((finding) => finding.ruleId).sort();
}

export function only(output: CheckOutput, ruleId: string): Finding {
  const matching = output.findings.filter((finding) => finding.ruleId === ruleId);
  if (matching.length !== 1) {
    throw new Error(`expected one ${ruleId} finding, got ${matching.length}: ${JSON.stringify(output.findings, null, 2)}`);
  }
  return matching[0] as Finding;
}
