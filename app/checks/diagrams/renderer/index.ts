import { DrawioDesktopRenderer } from './drawio-desktop.js';
import { DrawioOfflineRenderer } from './drawio-offline.js';
import type { DiagramRenderer } from './types.js';

export type RendererChoice = 'drawio-offline' | 'drawio-desktop';

export interface RendererSettings {
  renderer: RendererChoice;
  chromiumPath?: string;
  drawioCommand?: string;
  timeoutMs: number;
  env?: Record<string, string | undefined>;
}

/** A renderer for the configured choice; nothing starts until the first page is rendered. */
export function createRenderer(settings: RendererSettings): DiagramRenderer {
  if (settings.renderer === 'drawio-desktop') {
    return new DrawioDesktopRenderer({ timeoutMs: settings.timeoutMs, ...(settings.drawioCommand ? { command: settings.drawioCommand } : {}) });
  }
  return new DrawioOfflineRenderer({
    timeoutMs: settings.timeoutMs,
    ...(settings.chromiumPath ? { chromiumPath: settings.chromiumPath } : {}),
    ...(settings.env ? { env: settings.env } : {}),
  });
}

export { DrawioDesktopRenderer } from './drawio-desktop.js';
export { DrawioOfflineRenderer, findChromium, normalizePng } from './drawio-offline.js';
export { RenderError, RendererUnavailableError, type DiagramRenderer, type RenderedPage } from './types.js';
