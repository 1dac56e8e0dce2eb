import { tmpdir } from 'node:os';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { FileTooLargeError, type Check, type CheckContext, type CheckOutput } from '../types.js';
import { directoryArtifactSink, type ArtifactSink } from './artifacts.js';
import { checkDiagrams, RendererHandle, type DiagramReader, type FileBytes } from './check-diagrams.js';
import { diagramStem } from './decode.js';
import type { DiagramsOptions } from './options.js';
import { isEmbeddedExport, mayExport } from './paths.js';
import { createRenderer } from './renderer/index.js';
import type { DiagramRendererPool } from './renderer/pool.js';
import type { DiagramRenderer } from './renderer/types.js';
import { CHECK_ID, plural, type DiagramFinding } from './rule.js';
import { embeddedSourceStale } from './rules/embedded-source-stale.js';
import { exportEdited } from './rules/export-edited.js';
import { exportMissing } from './rules/export-missing.js';
import { exportOutdated } from './rules/export-outdated.js';
import { externalImage } from './rules/external-image.js';
import { renderFailed } from './rules/render-failed.js';
import { rendererUnavailable } from './rules/renderer-unavailable.js';
import { sourceInvalid, sourceInvalidFinding } from './rules/source-invalid.js';
import { DiagramSourceError } from './xml.js';

export type { DiagramsOptions } from './options.js';
export { diagramsOptionsSchema } from './options.js';

/** Drivers may inject one warm DiagramRenderer under this key (they own its lifetime); else the check starts its own per run. */
export const DIAGRAM_RENDERER_SERVICE = 'diagramRenderer';
/** Drivers may inject a DiagramRendererPool (one warm renderer per setting, for the process's lifetime) under this key. */
export const DIAGRAM_RENDERER_POOL_SERVICE = 'diagramRendererPool';
/** Drivers may inject an ArtifactSink for before/after/diff images; else they go to a temporary folder. */
export const DIAGRAM_ARTIFACTS_SERVICE = 'diagramArtifacts';

function readerFor(ctx: CheckContext<DiagramsOptions>, changedPaths: Set<string>, refused: DiagramFinding[]): DiagramReader {
  const { changeSet } = ctx;
  const readBytes = changeSet.readBytes?.bind(changeSet);
  return {
    changed: (path) => changedPaths.has(path),
    async read(side, path): Promise<FileBytes> {
      if (readBytes) {
        try {
          const bytes = await readBytes(side, path);
          return bytes === null ? { kind: 'missing' } : { kind: 'bytes', bytes };
        } catch (error) {
          if (!(error instanceof FileTooLargeError)) throw error;
          refused.push(sourceInvalidFinding(path, new DiagramSourceError(error.message, 'limit')));
          return { kind: 'unreadable' };
        }
      }
      const file = await changeSet.readFile(side, path);
      if (file.kind === 'missing') return { kind: 'missing' };
      // Reported by the engine as `file-skipped`; the driver cannot give this check binary content.
      if (file.kind !== 'text') {
        await ctx.readText(side, path);
        return { kind: 'unreadable' };
      }
      return { kind: 'bytes', bytes: Buffer.from(file.text, 'utf8') };
    },
  };
}

async function run(ctx: CheckContext<DiagramsOptions>): Promise<CheckOutput> {
  const { changeSet, options } = ctx;
  const isSource = picomatch(options.sources, { dot: true });
  const inScope = (path: string) => ctx.inScope(path);
  const present = changeSet.files.filter((file) => file.status !== 'removed').map((file) => file.path);
  const changedPaths = new Set(present);
  const sources = new Set(present.filter((path) => isSource(path) && inScope(path)));
  const embedded = present.filter((path) => isEmbeddedExport(path) && inScope(path));
  // Removed exports count too: their source now lacks them.
  const plainExports = changeSet.files
    .map((file) => file.path)
    .filter((path) => path.toLowerCase().endsWith('.png') && !isEmbeddedExport(path) && inScope(path));
  if (sources.size === 0 && embedded.length === 0 && plainExports.length === 0) {
    return { findings: [], summary: 'No diagram source or export added or changed.' };
  }

  const unexplained = plainExports.filter((path) => ![...sources].some((source) => mayExport(source, path, options)));
  const standalone: string[] = [];
  if (unexplained.length > 0 || embedded.length > 0) {
    const headSources = (await Promise.all(options.sources.map((glob) => changeSet.listFiles('head', glob)))).flat().filter(inScope);
    for (const path of unexplained) {
      for (const source of headSources) if (mayExport(source, path, options)) sources.add(source);
    }
    for (const path of embedded) {
      const sibling = headSources.find((source) => diagramStem(source) === diagramStem(path));
      if (sibling) sources.add(sibling);
      else standalone.push(path);
    }
  }
  if (sources.size === 0 && standalone.length === 0) {
    return { findings: [], summary: 'No diagram source or export added or changed.' };
  }

  const pool = ctx.services[DIAGRAM_RENDERER_POOL_SERVICE] as DiagramRendererPool | undefined;
  const injected = (ctx.services[DIAGRAM_RENDERER_SERVICE] as DiagramRenderer | undefined) ?? pool?.get(options);
  const renderer = injected ?? createRenderer(options);
  const artifacts =
    (ctx.services[DIAGRAM_ARTIFACTS_SERVICE] as ArtifactSink | undefined) ?? directoryArtifactSink(join(tmpdir(), 'platform-kit-diagrams', changeSet.head.sha.slice(0, 12) || 'head'));
  const handle = new RendererHandle(renderer);
  const refused: DiagramFinding[] = [];
  try {
    const result = await checkDiagrams({
      sources: [...sources].sort(),
      standalone: standalone.sort(),
      reader: readerFor(ctx, changedPaths, refused),
      options,
      renderer: handle,
      artifacts,
    });
    const compared = handle.unavailable === null ? `${plural(result.pagesCompared, 'page')} compared with a fresh ${handle.name} render` : `exports not compared (${handle.unavailable})`;
    return { findings: [...refused, ...result.findings], summary: `${plural(result.sourcesChecked, 'diagram')} checked; ${compared}.` };
  } finally {
    if (!injected) await renderer.close();
  }
}

export const diagramsCheck: Check<DiagramsOptions> = {
  id: CHECK_ID,
  title: 'Diagrams',
  description: 'draw.io exports equal a fresh deterministic render of their source; hand-edited PNGs and stale embedded diagrams are rejected.',
  rules: [exportOutdated, exportEdited, exportMissing, embeddedSourceStale, sourceInvalid, renderFailed, rendererUnavailable, externalImage],
  run,
};
