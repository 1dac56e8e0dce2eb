/**
 * Hard limits on what a diagram may cost to read and render. They stop hostile or accidental
 * inputs (decompression bombs, generated monster diagrams) before they reach the browser.
 */
export const DIAGRAM_LIMITS = {
  /** Bytes of a source or export file read at all. */
  maxFileBytes: 16 * 1024 * 1024,
  /** Bytes one compressed page (or a zTXt chunk) may inflate to. */
  maxInflatedBytes: 16 * 1024 * 1024,
  /** Cells (vertices, edges, layers) over all pages of one file. */
  maxCells: 50_000,
  /** Width or height of a rendered page in CSS pixels: Chromium cannot capture past 16,384. */
  maxPageSide: 16_384,
  /** Pages in one file. */
  maxPages: 100,
} as const;

export type DiagramLimits = { -readonly [Key in keyof typeof DIAGRAM_LIMITS]: number };
