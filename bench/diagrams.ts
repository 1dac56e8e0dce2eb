import pixelmatch from 'pixelmatch';
import { decodeDiagram } from '../app/checks/diagrams/decode.js';
import { DrawioOfflineRenderer, findChromium } from '../app/checks/diagrams/renderer/drawio-offline.js';
import { gridModel, mxfile, serviceModel } from '../test/helpers/diagrams-fixtures.js';

/**
 * The diagrams check's costs: starting the warm renderer (manifest check, Chromium, draw.io's
 * export page), rendering one page of a small and of an ~800-cell diagram once warm, and pixelmatch
 * on a 4000×3000 pair (the largest export a README plausibly holds). No peer runs draw.io exports
 * in-process; the budget is "a page in tens of milliseconds after start-up".
 */

const ROUNDS = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function timePages(renderer: DrawioOfflineRenderer, source: string): Promise<number> {
  await renderer.renderPage(source, 0, 'warm-up');
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const started = performance.now();
    await renderer.renderPage(source, 0, 'bench');
    times.push(performance.now() - started);
  }
  return median(times);
}

function timePixelmatch(): { ms: number; differing: number } {
  const width = 4000;
  const height = 3000;
  const left = new Uint8Array(width * height * 4).fill(255);
  const right = new Uint8Array(left);
  // A label-sized change: a 200×20 block.
  for (let y = 1500; y < 1520; y += 1) {
    for (let x = 1900; x < 2100; x += 1) right.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
  }
  const output = new Uint8Array(left.length);
  const times: number[] = [];
  let differing = 0;
  for (let i = 0; i < 3; i += 1) {
    const started = performance.now();
    differing = pixelmatch(left, right, output, width, height, { threshold: 0, includeAA: true, checkerboard: false });
    times.push(performance.now() - started);
  }
  return { ms: median(times), differing };
}

export async function benchDiagrams(): Promise<string> {
  const lines: string[] = [];
  const match = timePixelmatch();
  lines.push(`pixelmatch 4000×3000: ${match.ms.toFixed(0)} ms (${match.differing.toLocaleString('en-US')} differing pixels found)`);
  if (!findChromium()) return [...lines, 'renderer: skipped, Chromium not installed (apt-get install -y chromium, or CHROMIUM_PATH)'].join('\n');

  const small = mxfile([{ id: 'p', name: 'P', model: serviceModel() }]);
  const large = mxfile([{ id: 'p', name: 'P', model: gridModel(410) }]);
  const cells = decodeDiagram('large.drawio', Buffer.from(large)).pages[0]?.cellCount ?? 0;
  const renderer = new DrawioOfflineRenderer();
  try {
    const started = performance.now();
    await renderer.start();
    lines.push(`renderer start-up (manifest check + Chromium + export page): ${(performance.now() - started).toFixed(0)} ms`);
    lines.push(`small diagram (7 cells): ${(await timePages(renderer, small)).toFixed(1)} ms/page (median of ${ROUNDS}, warm)`);
    lines.push(`large diagram (${cells} cells): ${(await timePages(renderer, large)).toFixed(1)} ms/page (median of ${ROUNDS}, warm)`);
  } finally {
    await renderer.close();
  }
  return lines.join('\n');
}
