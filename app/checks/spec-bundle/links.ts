import type { ChangeSet } from '../types.js';
import { bundleAt, bundleOfPath, layoutWithRoot, normalizeRoot, type Bundle, type BundleTree } from './bundles.js';
import type { SpecBundleOptions } from './options.js';
import { parseReference, specLines } from './pr-body.js';
import { listOf } from './rule.js';
import type { LinkOrigin } from './rules/unknown-bundle.js';

export type LinkVia = 'touched' | 'body' | 'label' | 'branch';

export interface LinkedBundle {
  bundle: Bundle;
  via: LinkVia[];
}

/** An explicit link (body line or label) that names no bundle on head. */
export interface BrokenLink {
  origin: LinkOrigin;
  /** Completes "... links a spec bundle, but <problem>". */
  problem: string;
}

export interface DeletedBundle {
  bundle: Bundle;
  removedFiles: number;
}

export interface Links {
  linked: LinkedBundle[];
  broken: BrokenLink[];
  deleted: DeletedBundle[];
}

interface LinkInput {
  changeSet: ChangeSet;
  options: SpecBundleOptions;
  inScope(path: string): boolean;
  head: BundleTree;
}

/** Finds every bundle the change links, the links that lead nowhere, and the bundles it deletes. */
export async function resolveLinks(input: LinkInput): Promise<Links> {
  const { changeSet, options } = input;
  const layouts = options.layouts;
  const roots = layouts.map((layout) => normalizeRoot(layout.root));
  const linked = new Map<string, LinkedBundle>();
  const broken: BrokenLink[] = [];
  const link = (bundle: Bundle, via: LinkVia) => {
    const entry = linked.get(bundle.dir) ?? { bundle, via: [] };
    if (!entry.via.includes(via)) entry.via.push(via);
    linked.set(bundle.dir, entry);
  };

  const deleted = await deletedBundles(input);
  const deletedDirs = new Set(deleted.map((entry) => entry.bundle.dir));

  for (const file of changeSet.files) {
    for (const path of [file.path, file.previousPath]) {
      if (path === undefined || !input.inScope(path)) continue;
      const bundle = bundleOfPath(path, layouts);
      if (bundle && (await input.head.exists(bundle))) link(bundle, 'touched');
    }
  }

  const resolve = async (value: string, origin: LinkOrigin, via: LinkVia) => {
    const reference = parseReference(value, roots);
    for (const path of reference.paths) {
      const layout = layoutWithRoot(path.root, layouts);
      if (!layout) continue;
      const bundle = bundleAt(layout, path.feature);
      if (await input.head.exists(bundle)) {
        link(bundle, via);
      } else {
        const problem = deletedDirs.has(bundle.dir)
          ? `${bundle.dir}/ is deleted in this change`
          : `${bundle.dir}/ does not exist on the head commit`;
        broken.push({ origin, problem });
      }
    }
    if (reference.bare !== undefined) {
      const candidates = layouts.map((layout) => bundleAt(layout, reference.bare ?? ''));
      const found: Bundle[] = [];
      for (const bundle of candidates) if (await input.head.exists(bundle)) found.push(bundle);
      for (const bundle of found) link(bundle, via);
      if (found.length === 0) {
        broken.push({ origin, problem: `no folder ${listOf(candidates.map((bundle) => `${bundle.dir}/`), 'or')} exists on the head commit` });
      }
    } else if (reference.paths.length === 0) {
      broken.push({ origin, problem: `it names no folder under ${listOf(roots.map((root) => `${root}/`), 'or')}` });
    }
  };

  const pullRequest = changeSet.pullRequest;
  if (pullRequest) {
    for (const line of specLines(pullRequest.body)) {
      await resolve(line.value, { kind: 'body', line: line.line, text: `Spec: ${line.value}` }, 'body');
    }
    const prefix = options.linkLabelPrefix.toLowerCase();
    for (const label of pullRequest.labels) {
      if (!label.toLowerCase().startsWith(prefix)) continue;
      const value = label.slice(prefix.length).trim();
      if (value !== '') await resolve(value, { kind: 'label', label }, 'label');
    }
  }

  const branch = branchOf(changeSet);
  const feature = branch?.split('/').pop();
  if (feature) {
    for (const layout of layouts) {
      const bundle = bundleAt(layout, feature);
      if (await input.head.exists(bundle)) link(bundle, 'branch');
    }
  }

  return { linked: [...linked.values()].sort((a, b) => a.bundle.dir.localeCompare(b.bundle.dir)), broken, deleted };
}

/**
 * The branch the change comes from: the PR's head branch, else the head ref when it names a branch
 * (a CLI run on a detached SHA or a tag links nothing by name).
 */
export function branchOf(changeSet: ChangeSet): string | undefined {
  const ref = changeSet.pullRequest?.headBranch ?? changeSet.head.ref;
  if (!ref || ref === 'HEAD' || /[~^:]/.test(ref) || /^[0-9a-f]{7,40}$/i.test(ref)) return undefined;
  if (ref.startsWith('refs/tags/') || ref.startsWith('refs/pull/')) return undefined;
  return ref.replace(/^refs\/heads\//, '').replace(/^refs\/remotes\/[^/]+\//, '');
}

/**
 * Bundles that lose every file in this change. A folder renamed into another bundle folder moved
 * rather than disappeared, so it is not reported.
 */
async function deletedBundles(input: LinkInput): Promise<DeletedBundle[]> {
  const layouts = input.options.layouts;
  const removed = new Map<string, DeletedBundle>();
  const movedAway = new Set<string>();
  for (const file of input.changeSet.files) {
    if (file.status === 'removed' && input.inScope(file.path)) {
      const bundle = bundleOfPath(file.path, layouts);
      if (!bundle) continue;
      const entry = removed.get(bundle.dir) ?? { bundle, removedFiles: 0 };
      entry.removedFiles += 1;
      removed.set(bundle.dir, entry);
    } else if (file.previousPath !== undefined && input.inScope(file.previousPath)) {
      const from = bundleOfPath(file.previousPath, layouts);
      const to = bundleOfPath(file.path, layouts);
      if (!from) continue;
      if (to && to.dir !== from.dir) movedAway.add(from.dir);
      const entry = removed.get(from.dir) ?? { bundle: from, removedFiles: 0 };
      entry.removedFiles += 1;
      removed.set(from.dir, entry);
    }
  }
  const deleted: DeletedBundle[] = [];
  for (const entry of removed.values()) {
    if (movedAway.has(entry.bundle.dir)) continue;
    if (!(await input.head.exists(entry.bundle))) deleted.push(entry);
  }
  return deleted.sort((a, b) => a.bundle.dir.localeCompare(b.bundle.dir));
}
