/**
 * `npm run bench [name ...]`: runs every `bench*` function exported by the files in bench/ (or only
 * the files whose name contains one of the arguments). Each benchmark prints its own figures and
 * its peer's; a benchmark that throws is reported and makes the run exit 1.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const SELF = basename(fileURLToPath(import.meta.url));

type BenchFunction = () => unknown;

function print(value: unknown): void {
  if (value === undefined) return;
  console.log(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const files = (await readdir(BENCH_DIR))
    .filter((name) => name.endsWith('.ts') && name !== SELF && !name.endsWith('.d.ts'))
    .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
    .sort();
  if (files.length === 0) {
    console.error(`bench: no benchmark file matches ${filters.join(', ') || 'bench/*.ts'}`);
    process.exitCode = 1;
    return;
  }
  let failures = 0;
  for (const file of files) {
    const module = (await import(pathToFileURL(join(BENCH_DIR, file)).href)) as Record<string, unknown>;
    const benches = Object.entries(module).filter((entry): entry is [string, BenchFunction] => entry[0].startsWith('bench') && typeof entry[1] === 'function');
    for (const [name, bench] of benches) {
      console.log(`\n── bench/${file} · ${name} ${'─'.repeat(Math.max(0, 60 - file.length - name.length))}`);
      const started = performance.now();
      try {
        print(await bench());
        console.log(`(${name} took ${((performance.now() - started) / 1000).toFixed(1)} s in all)`);
      } catch (error) {
        failures += 1;
        console.error(`${name} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      }
    }
  }
  if (failures > 0) process.exitCode = 1;
}

await main();
