import { describe, it } from '@jest/globals';
import { PNG } from 'pngjs';
import { findChromium } from '../../app/checks/diagrams/renderer/drawio-offline.js';
import type { ChangeSet } from '../../app/checks/types.js';
import { memoryChangeSet, type MemoryChangeSetInput } from './memory-changeset.js';

export const chromiumPath = findChromium();

/**
 * `describe` when Chromium is installed; otherwise a skipped suite locally, and a failing one under
 * CI=true (CI must install it: see .ci/run).
 */
export function describeWithChromium(name: string, body: () => void): void {
  if (chromiumPath) {
    describe(name, body);
  } else if (process.env['CI'] === 'true') {
    describe(name, () => {
      it('needs Chromium in CI', () => {
        throw new Error('Chromium not found (/usr/bin/chromium or CHROMIUM_PATH); CI must install it: apt-get install -y chromium');
      });
    });
  } else {
    describe.skip(`${name} (Chromium not installed)`, () => {
      it('is skipped', () => undefined);
    });
  }
}

/** A memory change set for diagram tests (memory change sets hand out raw bytes for PNGs). */
export function diagramChangeSet(input: MemoryChangeSetInput): ChangeSet {
  return memoryChangeSet(input);
}

/** A copy of the PNG with one pixel set to a colour that differs from what was there. */
export function withOnePixelChanged(png: Buffer, x: number, y: number): Buffer {
  const image = PNG.sync.read(png);
  const offset = (image.width * y + x) * 4;
  const red = image.data[offset] ?? 0;
  image.data[offset] = red > 127 ? 0 : 255;
  image.data[offset + 3] = 255;
  return PNG.sync.write(image);
}
