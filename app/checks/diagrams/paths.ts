import { posix } from 'node:path';
import { diagramStem } from './decode.js';

export interface ExportNaming {
  /** Repository-relative folder for exports; default next to the source. */
  outputDir?: string;
  pageNames: 'index' | 'name';
}

/** `Request flow` → `request-flow`; a name with nothing usable falls back to the page number. */
export function pageSlug(name: string, index: number): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? String(index + 1) : slug;
}

/**
 * The PNG each page of a source exports to: `name.png` for a single page; `name-<n>.png` (1-based)
 * or `name-<page-name>.png` per page otherwise.
 */
export function exportPaths(source: string, pages: ReadonlyArray<{ name: string }>, naming: ExportNaming): string[] {
  const stem = diagramStem(source);
  const base = naming.outputDir ? posix.join(naming.outputDir.replace(/\/+$/, ''), posix.basename(stem)) : stem;
  if (pages.length === 1) return [`${base}.png`];
  return pages.map((page, index) => `${base}-${naming.pageNames === 'name' ? pageSlug(page.name, index) : index + 1}.png`);
}

/** A `.drawio.png` or `.drawio.svg`: an export that carries its own source. */
export function isEmbeddedExport(path: string): boolean {
  return /\.drawio\.(png|svg)$/i.test(path);
}

/** The `.drawio.png` / `.drawio.svg` files that would export this source. */
export function embeddedSiblings(source: string): string[] {
  const stem = diagramStem(source);
  return [`${stem}.drawio.png`, `${stem}.drawio.svg`];
}

/**
 * Whether `exportPath` could be an export of `source` under this naming, judged by name only
 * (`docs/arch.png`, `docs/arch-2.png`, `docs/arch-overview.png` for `docs/arch.drawio`).
 */
export function mayExport(source: string, exportPath: string, naming: ExportNaming): boolean {
  if (!exportPath.toLowerCase().endsWith('.png') || isEmbeddedExport(exportPath)) return false;
  const [single] = exportPaths(source, [{ name: '' }], naming);
  if (single === undefined) return false;
  const base = single.slice(0, -'.png'.length);
  return exportPath === single || exportPath.startsWith(`${base}-`);
}
