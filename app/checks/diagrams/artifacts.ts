import { mkdir, writeFile } from 'node:fs/promises';
import { resolveInside } from '../../util/safe-path.js';

/** Where the check puts before/after/diff images; returns where each one went. */
export interface ArtifactSink {
  write(name: string, png: Buffer): Promise<string>;
}

/**
 * Writes artifacts as files under `dir` (created on first use). Names derive from paths in the pull
 * request, so each is resolved inside `dir` first: a name that would land elsewhere is refused.
 */
export function directoryArtifactSink(dir: string): ArtifactSink {
  return {
    async write(name, png) {
      await mkdir(dir, { recursive: true });
      const path = await resolveInside(dir, name);
      await writeFile(path, png);
      return path;
    },
  };
}

/** `docs/img/arch.png` + `diff` → `docs__img__arch.diff.png`: flat, unique per export. */
export function artifactName(exportPath: string, kind: string): string {
  return `${exportPath.replace(/\.png$/i, '').replace(/[^A-Za-z0-9._-]+/g, '__')}.${kind}.png`;
}
