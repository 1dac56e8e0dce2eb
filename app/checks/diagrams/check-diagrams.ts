import type { Side } from '../types.js';
import { artifactName, type ArtifactSink } from './artifacts.js';
import { comparePngs } from './compare.js';
import { decodeDiagram, type DecodedDiagram } from './decode.js';
import type { DiagramsOptions } from './options.js';
import { embeddedSiblings, exportPaths } from './paths.js';
import { RenderError, RendererUnavailableError, type DiagramRenderer, type RenderedPage } from './renderer/types.js';
import type { DiagramArtifact, DiagramFinding } from './rule.js';
import { embeddedSourceStaleFinding } from './rules/embedded-source-stale.js';
import { exportEditedFinding } from './rules/export-edited.js';
import { exportMissingFinding } from './rules/export-missing.js';
import { exportOutdatedFinding, type PageRef } from './rules/export-outdated.js';
import { externalImageFinding } from './rules/external-image.js';
import { renderFailedFinding } from './rules/render-failed.js';
import { rendererUnavailableFinding } from './rules/renderer-unavailable.js';
import { sourceInvalidFinding } from './rules/source-invalid.js';
import { canonicalXml, DiagramSourceError } from './xml.js';

export type FileBytes = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'missing' } | { kind: 'unreadable' };

export interface DiagramReader {
  read(side: Side, path: string): Promise<FileBytes>;
  /** Whether the change adds or modifies this path. */
  changed(path: string): boolean;
}

/** What happened to one export; `render` is the fresh PNG when one was made (for `--update`). */
export interface PageOutcome extends PageRef {
  status: 'same' | 'outdated' | 'edited' | 'missing' | 'not-compared';
  render?: Buffer;
}

export interface CheckDiagramsResult {
  findings: DiagramFinding[];
  pages: PageOutcome[];
  sourcesChecked: number;
  pagesCompared: number;
}

/**
 * Gives out the renderer on first use; remembers when it cannot run, so every later page is
 * skipped at once and one notice explains why.
 */
export class RendererHandle {
  unavailable: string | null = null;
  skippedPages = 0;

  constructor(private readonly renderer: DiagramRenderer) {}

  get name(): string {
    return this.renderer.name;
  }

  async render(mxfile: string, pageIndex: number, label: string): Promise<RenderedPage | RenderError | null> {
    if (this.unavailable !== null) {
      this.skippedPages += 1;
      return null;
    }
    try {
      return await this.renderer.renderPage(mxfile, pageIndex, label);
    } catch (error) {
      if (error instanceof RendererUnavailableError) {
        this.unavailable = error.message;
        this.skippedPages += 1;
        return null;
      }
      if (error instanceof RenderError) return error;
      return new RenderError(error instanceof Error ? error.message : String(error), 'failed');
    }
  }
}

export interface CheckDiagramsInput {
  /** draw.io XML sources to check, with their exports. */
  sources: string[];
  /** `.drawio.png` files with no XML source: their pixels are compared with their embedded diagram. */
  standalone: string[];
  reader: DiagramReader;
  options: DiagramsOptions;
  renderer: RendererHandle;
  artifacts?: ArtifactSink;
  /** Render pages whose export is missing too (for `--update`). */
  renderMissing?: boolean;
}

export async function checkDiagrams(input: CheckDiagramsInput): Promise<CheckDiagramsResult> {
  const result: CheckDiagramsResult = { findings: [], pages: [], sourcesChecked: 0, pagesCompared: 0 };
  for (const source of input.sources) await checkSource(source, input, result);
  for (const path of input.standalone) await checkStandalone(path, input, result);
  if (input.renderer.unavailable !== null && input.renderer.skippedPages > 0) {
    result.findings.push(rendererUnavailableFinding(input.renderer.unavailable, input.renderer.skippedPages));
  }
  return result;
}

function decodeOrReport(path: string, bytes: Uint8Array, result: CheckDiagramsResult): DecodedDiagram | null {
  try {
    return decodeDiagram(path, bytes);
  } catch (error) {
    if (!(error instanceof DiagramSourceError)) throw error;
    result.findings.push(sourceInvalidFinding(path, error));
    return null;
  }
}

async function checkSource(source: string, input: CheckDiagramsInput, result: CheckDiagramsResult): Promise<void> {
  const { reader, options } = input;
  const read = await reader.read('head', source);
  if (read.kind !== 'bytes') return;
  result.sourcesChecked += 1;
  const diagram = decodeOrReport(source, read.bytes, result);
  if (!diagram) return;
  if (diagram.externalImages.length > 0) result.findings.push(externalImageFinding(source, diagram.externalImages));

  let hasEmbeddedExport = false;
  for (const sibling of embeddedSiblings(source)) {
    const siblingRead = await reader.read('head', sibling);
    if (siblingRead.kind === 'missing') continue;
    hasEmbeddedExport = true;
    if (siblingRead.kind !== 'bytes') continue;
    const embedded = decodeOrReport(sibling, siblingRead.bytes, result);
    if (!embedded) continue;
    const difference = describeModelDifference(diagram, embedded);
    if (difference) result.findings.push(embeddedSourceStaleFinding(sibling, source, difference));
  }

  const exports = exportPaths(source, diagram.pages, options);
  const sourceChanged = reader.changed(source);
  for (const page of diagram.pages) {
    const ref: PageRef = { source, exportPath: exports[page.index] ?? '', pageName: page.name, pageIndex: page.index, pageCount: diagram.pages.length, line: page.line };
    const committed = await reader.read('head', ref.exportPath);
    if (committed.kind === 'missing') {
      // A source exported as .drawio.png/.svg has its export already; a PNG next to it is optional.
      if (hasEmbeddedExport) continue;
      result.findings.push(exportMissingFinding(ref));
      const outcome: PageOutcome = { ...ref, status: 'missing' };
      if (input.renderMissing) {
        const rendered = await input.renderer.render(diagram.mxfile, page.index, source);
        if (rendered instanceof RenderError) result.findings.push(renderFailedFinding(ref, rendered));
        else if (rendered) outcome.render = rendered.png;
      }
      result.pages.push(outcome);
      continue;
    }
    if (committed.kind === 'unreadable') {
      result.pages.push({ ...ref, status: 'not-compared' });
      continue;
    }
    const exportChanged = reader.changed(ref.exportPath);
    await comparePage(ref, diagram.mxfile, committed.bytes, { editedByHand: exportChanged && !sourceChanged }, input, result);
  }
}

/** A `.drawio.png` without an XML source: its pixels must be a render of the diagram it embeds. */
async function checkStandalone(path: string, input: CheckDiagramsInput, result: CheckDiagramsResult): Promise<void> {
  if (!path.toLowerCase().endsWith('.png')) return;
  const read = await input.reader.read('head', path);
  if (read.kind !== 'bytes') return;
  result.sourcesChecked += 1;
  const diagram = decodeOrReport(path, read.bytes, result);
  if (!diagram) return;
  if (diagram.externalImages.length > 0) result.findings.push(externalImageFinding(path, diagram.externalImages));
  const base = await input.reader.read('base', path);
  let embeddedChanged = true;
  if (base.kind === 'bytes') {
    try {
      embeddedChanged = describeModelDifference(decodeDiagram(path, base.bytes), diagram) !== null;
    } catch {
      embeddedChanged = true;
    }
  }
  const first = diagram.pages[0];
  if (!first) return;
  const ref: PageRef = { source: path, exportPath: path, pageName: first.name, pageIndex: 0, pageCount: 1 };
  await comparePage(ref, diagram.mxfile, read.bytes, { editedByHand: input.reader.changed(path) && !embeddedChanged }, input, result);
}

async function comparePage(
  ref: PageRef,
  mxfile: string,
  committed: Uint8Array,
  how: { editedByHand: boolean },
  input: CheckDiagramsInput,
  result: CheckDiagramsResult,
): Promise<void> {
  const rendered = await input.renderer.render(mxfile, ref.pageIndex, ref.source);
  if (rendered === null) {
    if (how.editedByHand) result.findings.push(exportEditedFinding(ref, null, []));
    result.pages.push({ ...ref, status: how.editedByHand ? 'edited' : 'not-compared' });
    return;
  }
  if (rendered instanceof RenderError) {
    result.findings.push(renderFailedFinding(ref, rendered));
    result.pages.push({ ...ref, status: 'not-compared' });
    return;
  }
  result.pagesCompared += 1;
  let comparison;
  try {
    comparison = comparePngs(rendered.png, committed, { colorThreshold: input.options.colorThreshold });
  } catch (error) {
    // The committed file is not a readable PNG at all: as out of date as it gets.
    result.findings.push(
      sourceInvalidFinding(ref.exportPath, new DiagramSourceError(`${ref.exportPath} is not a readable PNG (${(error as Error).message})`, 'encoding')),
    );
    result.pages.push({ ...ref, status: 'outdated', render: rendered.png });
    return;
  }
  if (comparison.sameSize && comparison.differing <= input.options.tolerance) {
    result.pages.push({ ...ref, status: 'same', render: rendered.png });
    return;
  }
  const artifacts = await writeArtifacts(ref.exportPath, Buffer.from(committed), rendered.png, comparison.diffPng, input.artifacts);
  result.findings.push(how.editedByHand ? exportEditedFinding(ref, comparison, artifacts) : exportOutdatedFinding(ref, comparison, artifacts));
  result.pages.push({ ...ref, status: how.editedByHand ? 'edited' : 'outdated', render: rendered.png });
}

async function writeArtifacts(exportPath: string, before: Buffer, after: Buffer, diff: Buffer, sink: ArtifactSink | undefined): Promise<DiagramArtifact[]> {
  if (!sink) return [];
  const artifacts: DiagramArtifact[] = [];
  for (const [kind, png] of [['before', before], ['after', after], ['diff', diff]] as const) {
    artifacts.push({ kind, path: await sink.write(artifactName(exportPath, kind), png), contentType: 'image/png' });
  }
  return artifacts;
}

/** Null when both files hold the same pages (names and models); else what differs, in a few words. */
export function describeModelDifference(source: DecodedDiagram, embedded: DecodedDiagram): string | null {
  if (source.pages.length !== embedded.pages.length) {
    return `${source.pages.length} page${source.pages.length === 1 ? '' : 's'} in the source, ${embedded.pages.length} embedded`;
  }
  for (const [index, page] of source.pages.entries()) {
    const other = embedded.pages[index];
    if (!other) continue;
    if (page.name !== other.name) return `page ${index + 1} is "${page.name}" in the source, "${other.name}" embedded`;
    if (canonicalXml(page.model) !== canonicalXml(other.model)) return `page ${index + 1} ("${page.name}") has different content`;
  }
  return null;
}
