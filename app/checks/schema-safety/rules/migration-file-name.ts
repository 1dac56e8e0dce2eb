import type { HygieneContext, HygieneRule, NewSqlFile } from '../hygiene/context.js';
import { defineHygieneRule, hygieneFinding, type HygieneFinding } from '../hygiene/finding.js';
import { renameCommand, snakeCaseName, suggestVersion, takenVersions } from '../hygiene/naming.js';
import { versionTime } from '../hygiene/versions.js';

export const meta = defineHygieneRule(
  'migration-file-name',
  'error',
  'A new migration file is named `<14-digit UTC timestamp>_<name>.sql` (or the configured pattern); the Supabase CLI skips other names.',
);

/** Clocks differ and people write local time: a version up to a day ahead of the clock is not "in the future". */
const FUTURE_SLACK_MS = 24 * 60 * 60 * 1000;

function renameHint(ctx: HygieneContext, file: NewSqlFile, taken: Set<string>): string {
  const version = suggestVersion(ctx, null, taken);
  if (version === null) return '';
  taken.add(version);
  const name = snakeCaseName(file.migration?.name ?? file.fileName.replace(/^\d*[_-]?/, ''));
  return ` Rename it: \`${renameCommand(ctx, file.path, `${version}_${name}.sql`)}\` (\`supabase migration new ${name}\` writes such names).`;
}

function describeDate(time: Date): string {
  return `${time.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

async function check(ctx: HygieneContext): Promise<HygieneFinding[]> {
  const findings: HygieneFinding[] = [];
  const taken = takenVersions(ctx);
  for (const file of ctx.added) {
    // Renaming an applied migration is migration-edited's finding; its new name is not a new migration.
    if (file.renamedFrom) continue;
    const at = { path: file.path, startLine: 1, endLine: 1 };
    if (file.migration === null) {
      findings.push(
        hygieneFinding(meta, {
          ...at,
          title: 'Migration file the Supabase CLI skips',
          message:
            `\`${file.fileName}\` does not start with \`<timestamp>_\`. The Supabase CLI skips such files ` +
            '("Skipping migration … (file name must match pattern "<timestamp>_name.sql")"), so this migration is never applied.' +
            renameHint(ctx, file, taken),
        }),
      );
      continue;
    }
    const { version } = file.migration;
    if (!ctx.fileNamePattern.test(file.fileName)) {
      findings.push(
        hygieneFinding(meta, {
          ...at,
          severity: 'warning',
          title: 'Migration file name does not match the pattern',
          message:
            `\`${file.fileName}\` does not match \`${ctx.fileNamePatternSource}\`. The Supabase CLI still applies it, ` +
            `but orders migrations by comparing versions as text, so a version that is not a 14-digit timestamp (\`${version}\`) ` +
            'lands out of place among the others.' +
            renameHint(ctx, file, taken),
        }),
      );
      continue;
    }
    if (version.length !== 14) continue;
    const time = versionTime(version);
    if (time === null) {
      findings.push(
        hygieneFinding(meta, {
          ...at,
          severity: 'warning',
          title: 'Migration version is not a date',
          message:
            `Version \`${version}\` is not a valid UTC date and time (\`YYYYMMDDHHMMSS\`), so it does not say when the migration was written ` +
            'and will not sort where its authors expect.' +
            renameHint(ctx, file, taken),
        }),
      );
    } else if (time.getTime() > ctx.now.getTime() + FUTURE_SLACK_MS) {
      findings.push(
        hygieneFinding(meta, {
          ...at,
          severity: 'warning',
          title: 'Migration version is in the future',
          message:
            `Version \`${version}\` is ${describeDate(time)}. Once it is applied, every migration written before then with ` +
            '`supabase migration new` sorts before it, and `supabase db push` refuses those ' +
            '("Found local migration files to be inserted before the last migration on remote database.").' +
            renameHint(ctx, file, taken),
        }),
      );
    }
  }
  return findings;
}

export const hygieneRule: HygieneRule = { meta, check };
