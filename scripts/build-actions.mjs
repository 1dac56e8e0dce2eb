#!/usr/bin/env node
// Bundles every actions/<name>/index.ts into actions/<name>/dist/ with @vercel/ncc.
//
// ncc's own TypeScript path type-checks the whole project and resolves ESM-only packages with
// `require` conditions, so the sources are first transpiled file by file (isolatedModules makes
// that exact) into a staging tree that mirrors the repository, and ncc bundles that JavaScript.
// The staging tree has a fixed location and ncc runs from it: the module paths ncc writes into
// the bundle are then the same on every machine, and the build is byte-for-byte reproducible.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const ncc = require('@vercel/ncc');

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STAGING = join(ROOT, '.platform-kit-tmp', 'actions-build');

// libpg-query's Emscripten glue reads its .wasm next to `__dirname`, which ESM lacks, and ncc does
// not relocate that file: define both names and ship the file beside the bundle.
const ESM_BANNER = [
  "import { fileURLToPath as __pkFileURLToPath } from 'node:url';",
  "import { dirname as __pkDirname } from 'node:path';",
  'const __filename = __pkFileURLToPath(import.meta.url);',
  'const __dirname = __pkDirname(__filename);',
  '',
].join('\n');
const EXTRA_ASSETS = [['libpg-query/wasm/libpg-query.wasm', 'libpg-query.wasm']];

// The shadow database runs PGlite in a worker thread that imports PGlite's own ESM build from
// `pglite/` beside the bundle (webpack cannot bundle its WASM loader): ship that build, without
// source maps, type declarations and the CommonJS twin.
const PGLITE_MARKER = 'PLATFORM_KIT_PGLITE_DIR';
/** Bundles holding the embedded control plane read its migrations from supabase/ beside them. */
const SUPABASE_MARKER = 'PLATFORM_KIT_SUPABASE_DIR';
const PGLITE_SKIP = /\.(map|d\.ts|d\.cts|cjs)$/;

async function copyTree(from, to) {
  const entries = (await readdir(from, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const copied = [];
  for (const entry of entries) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      copied.push(...(await copyTree(source, target)).map((name) => `${entry.name}/${name}`));
    } else if (!PGLITE_SKIP.test(entry.name)) {
      await mkdir(to, { recursive: true });
      await copyFile(source, target);
      copied.push(entry.name);
    }
  }
  return copied;
}

/**
 * webpack turns `await import('node:module')` into a namespace object built from the module's
 * CommonJS export, which drops the properties of a function export (`createRequire` on `Module`).
 * Node's own dynamic import of a builtin is exact, so those calls are put back.
 */
export function restoreBuiltinDynamicImports(code) {
  const externals = new Map();
  for (const match of code.matchAll(/\/\*\*\*\/ (\d+):\n\/\*\*\*\/ \(\(module\) => \{\n\nmodule\.exports = __WEBPACK_EXTERNAL_createRequire\(import\.meta\.url\)\("([^"]+)"\);/g)) {
    externals.set(match[1], match[2]);
  }
  return code.replace(
    /Promise\.resolve\(\/\* import\(\) \*\/\)\.then\(__nccwpck_require__\.t\.bind\(__nccwpck_require__, (\d+), 19\)\)/g,
    (whole, id) => (externals.has(id) ? `import(${JSON.stringify(externals.get(id))})` : whole),
  );
}

/** The actions to build: every actions/<name>/ holding an index.ts. */
export async function actionNames() {
  const entries = await readdir(join(ROOT, 'actions'), { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'actions', entry.name, 'index.ts')))
    .map((entry) => entry.name)
    .sort();
}

const COMPILER_OPTIONS = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  sourceMap: false,
  inlineSourceMap: false,
  removeComments: false,
};

/** `./x.js` written in a .ts file means the sibling `x.ts`. */
function sourceOf(fromFile, specifier) {
  const target = resolve(dirname(fromFile), specifier);
  if (target.endsWith('.js') && existsSync(`${target.slice(0, -3)}.ts`)) return `${target.slice(0, -3)}.ts`;
  if (existsSync(target)) return target;
  throw new Error(`${relative(ROOT, fromFile)}: cannot resolve import "${specifier}"`);
}

/** Transpiles the entry and every local module it reaches (never the whole tree: no tests, no scripts). */
async function stage(entry) {
  const pending = [entry];
  const seen = new Set();
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const rel = relative(ROOT, file);
    if (rel.startsWith('..')) throw new Error(`${file} is outside the repository`);
    if (rel.split(sep).includes('node_modules')) continue;
    const text = await readFile(file, 'utf8');
    if (!file.endsWith('.ts')) {
      await mkdir(dirname(join(STAGING, rel)), { recursive: true });
      await copyFile(file, join(STAGING, rel));
      continue;
    }
    const info = ts.preProcessFile(text, true, true);
    for (const imported of info.importedFiles) {
      if (imported.fileName.startsWith('.')) pending.push(sourceOf(file, imported.fileName));
    }
    const output = ts.transpileModule(text, { compilerOptions: COMPILER_OPTIONS, fileName: file, reportDiagnostics: true });
    const errors = (output.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
      const message = ts.flattenDiagnosticMessageText(errors[0].messageText, '\n');
      throw new Error(`${rel}: ${message}`);
    }
    const target = join(STAGING, rel.replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, output.outputText);
  }
}

/**
 * Builds every action into `<outRoot>/actions/<name>/dist/`. `outRoot` defaults to the repository;
 * scripts/check-dist.mjs builds into a temporary folder and compares.
 */
export async function buildActions({ outRoot = ROOT, log = console.log } = {}) {
  const names = await actionNames();
  const previousCwd = process.cwd();
  await rm(STAGING, { recursive: true, force: true });
  await mkdir(STAGING, { recursive: true });
  const built = [];
  try {
    // The staging root's package.json makes ncc emit ESM (as the sources are).
    await copyFile(join(ROOT, 'package.json'), join(STAGING, 'package.json'));
    for (const name of names) await stage(join(ROOT, 'actions', name, 'index.ts'));
    process.chdir(STAGING);
    for (const name of names) {
      const entry = join(STAGING, 'actions', name, 'index.js');
      const { code, assets } = await ncc(entry, {
        cache: false,
        minify: false,
        sourceMap: false,
        sourceMapRegister: false,
        target: 'es2022',
        quiet: true,
        license: '',
      });
      const dist = join(outRoot, 'actions', name, 'dist');
      await rm(dist, { recursive: true, force: true });
      await mkdir(dist, { recursive: true });
      await writeFile(join(dist, 'index.js'), ESM_BANNER + restoreBuiltinDynamicImports(code));
      const files = ['index.js'];
      for (const [from, to] of EXTRA_ASSETS) {
        if (!code.includes(to)) continue;
        await copyFile(require.resolve(from), join(dist, to));
        files.push(to);
      }
      if (code.includes(SUPABASE_MARKER)) {
        // The control plane's migrations and seed, applied by the embedded (PGlite) control plane.
        const target = join(dist, 'supabase');
        await mkdir(join(target, 'migrations'), { recursive: true });
        const migrations = (await readdir(join(ROOT, 'supabase', 'migrations'))).filter((name) => name.endsWith('.sql')).sort();
        for (const name of migrations) await copyFile(join(ROOT, 'supabase', 'migrations', name), join(target, 'migrations', name));
        await copyFile(join(ROOT, 'supabase', 'seed.sql'), join(target, 'seed.sql'));
        files.push(`supabase/ (${migrations.length} migrations, seed.sql)`);
      }
      if (code.includes(PGLITE_MARKER)) {
        const pgliteDist = dirname(require.resolve('@electric-sql/pglite'));
        const copied = await copyTree(pgliteDist, join(dist, 'pglite'));
        files.push(`pglite/ (${copied.length} files)`);
      }
      for (const [assetName, asset] of Object.entries(assets ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
        await mkdir(dirname(join(dist, assetName)), { recursive: true });
        await writeFile(join(dist, assetName), asset.source, asset.permissions ? { mode: asset.permissions } : undefined);
        files.push(assetName);
      }
      built.push({ name, dist, files });
      log(`built actions/${name}/dist (${files.join(', ')}; ${Math.round(Buffer.byteLength(code) / 1024)} kB)`);
    }
  } finally {
    process.chdir(previousCwd);
    await rm(STAGING, { recursive: true, force: true });
  }
  return built;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  try {
    // `--out DIR` builds into DIR/actions/<name>/dist instead of the repository (tests, check-dist).
    const outIndex = process.argv.indexOf('--out');
    const outRoot = outIndex > 0 ? resolve(process.argv[outIndex + 1] ?? '') : ROOT;
    await buildActions({ outRoot });
  } catch (error) {
    console.error(`build-actions: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
