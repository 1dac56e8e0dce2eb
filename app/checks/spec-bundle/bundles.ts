import type { ChangeSet, Side } from '../types.js';
import type { BundleLayout } from './options.js';

/** One spec bundle: the folder `<root>/<feature>/` of a layout. */
export interface Bundle {
  layout: BundleLayout;
  /** The layout's root without `./` or trailing slashes, e.g. `spec`. */
  root: string;
  feature: string;
  /** `<root>/<feature>`, the bundle folder. */
  dir: string;
}

export function normalizeRoot(root: string): string {
  return root.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

export function bundleAt(layout: BundleLayout, feature: string): Bundle {
  const root = normalizeRoot(layout.root);
  return { layout, root, feature, dir: `${root}/${feature}` };
}

/**
 * The bundle a path belongs to, if any. Files directly in a root (e.g. `spec/README.md`) belong to
 * none. When roots nest (`docs` and `docs/spec`), the deeper root wins.
 */
export function bundleOfPath(path: string, layouts: BundleLayout[]): Bundle | undefined {
  let best: Bundle | undefined;
  for (const layout of layouts) {
    const root = normalizeRoot(layout.root);
    if (!path.startsWith(`${root}/`)) continue;
    const segments = path.slice(root.length + 1).split('/');
    const feature = segments[0];
    if (feature === undefined || feature === '' || segments.length < 2) continue;
    if (!best || root.length > best.root.length) best = bundleAt(layout, feature);
  }
  return best;
}

/** The layout whose root is `root` (as written in a link, e.g. `specs`). */
export function layoutWithRoot(root: string, layouts: BundleLayout[]): BundleLayout | undefined {
  const wanted = normalizeRoot(root);
  return layouts.find((layout) => normalizeRoot(layout.root) === wanted);
}

/** Lists each layout's root once per side and answers which bundle folders exist there. */
export class BundleTree {
  private readonly listings = new Map<string, Promise<Map<string, string[]>>>();

  constructor(
    private readonly changeSet: ChangeSet,
    private readonly side: Side,
  ) {}

  /** Paths of the bundle's files, relative to the bundle folder, sorted; empty when the folder is absent. */
  async files(bundle: Bundle): Promise<string[]> {
    const features = await this.features(bundle.root);
    return features.get(bundle.feature) ?? [];
  }

  async exists(bundle: Bundle): Promise<boolean> {
    return (await this.files(bundle)).length > 0;
  }

  private features(root: string): Promise<Map<string, string[]>> {
    let listing = this.listings.get(root);
    if (!listing) {
      listing = this.list(root);
      this.listings.set(root, listing);
    }
    return listing;
  }

  private async list(root: string): Promise<Map<string, string[]>> {
    const byFeature = new Map<string, string[]>();
    for (const path of await this.changeSet.listFiles(this.side, `${root}/*/**`)) {
      const rest = path.slice(root.length + 1);
      const slash = rest.indexOf('/');
      if (!path.startsWith(`${root}/`) || slash <= 0) continue;
      const feature = rest.slice(0, slash);
      const files = byFeature.get(feature) ?? [];
      files.push(rest.slice(slash + 1));
      byFeature.set(feature, files);
    }
    for (const files of byFeature.values()) files.sort();
    return byFeature;
  }
}
