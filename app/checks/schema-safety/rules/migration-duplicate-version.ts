import type { HygieneContext, HygieneRule } from '../hygiene/context.js';
import { defineHygieneRule, hygieneFinding, type HygieneFinding } from '../hygiene/finding.js';
import type { MigrationFile } from '../hygiene/migrations.js';
import { renameCommand, suggestVersion, takenVersions } from '../hygiene/naming.js';

export const meta = defineHygieneRule(
  'migration-duplicate-version',
  'error',
  'Two migration files share a version; the migration history is keyed by version, so one of them can never be applied.',
);

function listFiles(files: MigrationFile[]): string {
  return files.map((file) => `\`${file.fileName}\``).join(', ');
}

async function check(ctx: HygieneContext): Promise<HygieneFinding[]> {
  const byVersion = new Map<string, MigrationFile[]>();
  for (const migration of ctx.head) byVersion.set(migration.version, [...(byVersion.get(migration.version) ?? []), migration]);
  const newPaths = new Set(ctx.added.filter((file) => !file.renamedFrom).map((file) => file.path));
  const onBase = new Set(ctx.base.map((migration) => migration.path));
  const taken = takenVersions(ctx);
  const findings: HygieneFinding[] = [];
  for (const [version, files] of byVersion) {
    if (files.length < 2) continue;
    const allNew = files.every((file) => newPaths.has(file.path));
    for (const [index, migration] of files.entries()) {
      // When the change adds every file of the group, the first one applies; the later ones are the problem.
      if (!newPaths.has(migration.path) || (allNew && index === 0)) continue;
      const others = files.filter((other) => other !== migration);
      const applied = others.filter((other) => onBase.has(other.path));
      const suggested = suggestVersion(ctx, null, taken);
      if (suggested !== null) taken.add(suggested);
      findings.push(
        hygieneFinding(meta, {
          path: migration.path,
          startLine: 1,
          endLine: 1,
          title: `Duplicate migration version ${version}`,
          message:
            `\`${migration.fileName}\` has the version of ${listFiles(others)}${applied.length > 0 ? ` (already on ${ctx.baseRef}, so applied)` : ''}. ` +
            'The CLI records each applied version in `supabase_migrations.schema_migrations`, whose primary key is the version: ' +
            'the second file fails with "duplicate key value violates unique constraint "schema_migrations_pkey"", ' +
            'or, when newer migrations are applied already, `supabase db push` stops with "Found local migration files to be inserted before the last migration on remote database.".' +
            (suggested !== null ? ` Give this file its own version: \`${renameCommand(ctx, migration.path, `${suggested}_${migration.name}.sql`)}\`.` : ''),
        }),
      );
    }
  }
  return findings;
}

export const hygieneRule: HygieneRule = { meta, check };
