import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the check puts before/after/diff images; returns where each one went. */
export interface ArtifactSink {
  write(name: string, png: Buffer): Promise<string>;
}

/** Writes artifacts as files under `dir` (created on first use). */
export function directoryArtifactSink(dir: string): ArtifactSink {
  return {
    async write(name, png) {
      await mkdir(dir, { recursive: true });
      const path = join(dir, name);
      await writeFile(path, png);
      return path;
    },
  };
}

/** `docs/img/arch.png` + `diff` → `docs__img__arch.diff.png`: flat, unique per export. */
export function artifactName(exportPath: string, kind: string): string {
  return `${exportPath.replace(/\.png$/i, '').replace(/[^A-Za-z0-9._-]+/g, '__')}.${kind}.png`;
}
