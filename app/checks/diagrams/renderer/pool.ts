import { createRenderer, type RendererSettings } from './index.js';
import type { DiagramRenderer } from './types.js';

/**
 * One warm renderer per distinct setting (repositories may configure another Chromium, timeout or
 * the desktop CLI), shared by every check run of a process. Renderers start on their first page,
 * so a process that never checks a diagram never starts a browser.
 */
export interface DiagramRendererPool {
  get(settings: RendererSettings): DiagramRenderer;
  /** Closes every renderer handed out; a later `get` starts afresh. */
  close(): Promise<void>;
}

export function diagramRendererPool(create: (settings: RendererSettings) => DiagramRenderer = createRenderer): DiagramRendererPool {
  const renderers = new Map<string, DiagramRenderer>();
  return {
    get(settings) {
      const key = JSON.stringify([settings.renderer, settings.chromiumPath ?? null, settings.drawioCommand ?? null, settings.timeoutMs]);
      let renderer = renderers.get(key);
      if (!renderer) {
        renderer = create(settings);
        renderers.set(key, renderer);
      }
      return renderer;
    },
    async close() {
      const open = [...renderers.values()];
      renderers.clear();
      await Promise.all(open.map((renderer) => renderer.close()));
    },
  };
}
