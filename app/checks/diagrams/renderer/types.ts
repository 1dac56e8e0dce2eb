/** One rendered page: a PNG normalised by our own encoder, so bytes depend only on pixels. */
export interface RenderedPage {
  png: Buffer;
  width: number;
  height: number;
  /** URLs the diagram asked for that were not served (remote images, files outside the manifest). */
  blockedRequests: string[];
}

export interface RenderPageOptions {
  /** Overrides the renderer's per-page timeout for this call. */
  timeoutMs?: number;
}

/**
 * Renders draw.io pages to PNG. Implementations keep one warm instance and serve calls one at a
 * time, in order; `close()` releases it (a later call starts it again).
 */
export interface DiagramRenderer {
  readonly name: string;
  /** Renders page `pageIndex` (0-based) of an `<mxfile>` document; `label` names the file in errors. */
  renderPage(mxfile: string, pageIndex: number, label: string, options?: RenderPageOptions): Promise<RenderedPage>;
  /** Heap the last page left in use (Chromium's page heap), where the renderer can tell. */
  readonly memoryBytes?: number;
  /** Stops the renderer at once, failing the page in progress; the next page starts it again. */
  abort?(): Promise<void>;
  close(): Promise<void>;
}

/** The renderer cannot run here (no browser, no draw.io CLI, a package that fails its checksums). */
export class RendererUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RendererUnavailableError';
  }
}

/** One page could not be rendered (timeout, browser crash, page too large); other pages may still work. */
export class RenderError extends Error {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'crash' | 'too-large' | 'failed',
  ) {
    super(message);
    this.name = 'RenderError';
  }
}
