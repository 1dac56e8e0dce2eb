/**
 * Embeds lints/*.sql into sql.generated.ts. The code is bundled into single files (ncc) for the
 * Actions and the CLI, so the SQL travels as strings instead of being read from disk at run time.
 *
 *   npx tsx app/checks/schema-safety/lints/generate-sql.ts
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LINTS_DIR = dirname(fileURLToPath(import.meta.url));
export const GENERATED_FILE = join(LINTS_DIR, 'sql.generated.ts');

/** Every lints/<id>.sql, by id, sorted. */
export function readLintSqlFiles(dir: string = LINTS_DIR): Array<[id: string, sql: string]> {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => [file.slice(0, -'.sql'.length), readFileSync(join(dir, file), 'utf8')]);
}

export function renderGeneratedModule(entries: Array<[id: string, sql: string]>): string {
  const lines = entries.map(([id, sql]) => `  ${JSON.stringify(id)}: ${JSON.stringify(sql)},`);
  return [
    '// Generated from lints/*.sql by generate-sql.ts; edit the .sql files and run',
    '// `npx tsx app/checks/schema-safety/lints/generate-sql.ts`.',
    '',
    '/** The SQL of each catalog lint, by lint id. */',
    'export const lintSql: Readonly<Record<string, string>> = {',
    ...lines,
    '};',
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const entries = readLintSqlFiles();
  writeFileSync(GENERATED_FILE, renderGeneratedModule(entries));
  console.log(`wrote ${GENERATED_FILE} (${entries.length} lints)`);
}
