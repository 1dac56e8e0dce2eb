import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

export interface ImageComparison {
  /** Pixels that differ (every pixel outside the overlap counts when the sizes differ). */
  differing: number;
  total: number;
  sameSize: boolean;
  expected: { width: number; height: number };
  actual: { width: number; height: number };
  /** pixelmatch's diff image (red where pixels differ, the committed image greyed out elsewhere). */
  diffPng: Buffer;
  /** Bounding box of the differing pixels, when any. */
  region?: { x: number; y: number; width: number; height: number };
}

export interface CompareOptions {
  /** pixelmatch colour threshold: 0 counts any colour change. */
  colorThreshold: number;
}

/**
 * Compares a committed export (`actual`) with a fresh render (`expected`). Anti-aliasing detection
 * is off: the renderer is deterministic, so every changed pixel is a real change.
 */
export function comparePngs(expectedPng: Uint8Array, actualPng: Uint8Array, options: CompareOptions): ImageComparison {
  const expected = PNG.sync.read(Buffer.from(expectedPng));
  const actual = PNG.sync.read(Buffer.from(actualPng));
  const width = Math.max(expected.width, actual.width);
  const height = Math.max(expected.height, actual.height);
  const left = padTo(expected, width, height);
  const right = padTo(actual, width, height);
  const diff = new PNG({ width, height });
  const differing = pixelmatch(left, right, diff.data, width, height, { threshold: options.colorThreshold, includeAA: true, checkerboard: false });
  return {
    differing,
    total: width * height,
    sameSize: expected.width === actual.width && expected.height === actual.height,
    expected: { width: expected.width, height: expected.height },
    actual: { width: actual.width, height: actual.height },
    diffPng: PNG.sync.write(diff),
    ...(differing > 0 ? { region: differingRegion(diff.data, width, height) } : {}),
  };
}

/** The image on a transparent canvas of the given size, anchored top-left. */
function padTo(image: PNG, width: number, height: number): Uint8Array {
  if (image.width === width && image.height === height) return image.data;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < image.height; y += 1) {
    data.set(image.data.subarray(y * image.width * 4, (y + 1) * image.width * 4), y * width * 4);
  }
  return data;
}

/** pixelmatch paints differing pixels pure red (255, 0, 0); everything else is grey. */
function differingRegion(data: Uint8Array, width: number, height: number): { x: number; y: number; width: number; height: number } {
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const offset = (y * width + x) * 4;
      if (data[offset] === 255 && data[offset + 1] === 0 && data[offset + 2] === 0) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  return maxX < 0 ? { x: 0, y: 0, width: 0, height: 0 } : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/** Whether two PNGs hold the same pixels, whatever their encoding. */
export function samePixels(a: Uint8Array, b: Uint8Array): boolean {
  const left = PNG.sync.read(Buffer.from(a));
  const right = PNG.sync.read(Buffer.from(b));
  return left.width === right.width && left.height === right.height && Buffer.from(left.data).equals(Buffer.from(right.data));
}
