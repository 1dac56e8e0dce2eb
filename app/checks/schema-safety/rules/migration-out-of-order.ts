import type { HygieneContext, HygieneRule } from '../hygiene/context.js';
import { defineHygieneRule, hygieneFinding, type HygieneFinding } from '../hygiene/finding.js';
import { latestVersion, renameCommand, takenVersions } from '../hygiene/naming.js';
import { nextFreeVersion } from '../hygiene/versions.js';

export const meta = defineHygieneRule(
  'migration-out-of-order',
  'error',
  'A new migration sorts after every migration on the base branch; `supabase db push` refuses one that sorts before an applied migration.',
);

async function check(ctx: HygieneContext): Promise<HygieneFinding[]> {
  // What the change merges into: the branch's tip, which may hold migrations that landed after it branched off.
  const onBranch = [...ctx.base, ...ctx.baseTip];
  const latest = latestVersion(onBranch);
  if (latest === null) return [];
  const baseVersions = new Set(onBranch.map((migration) => migration.version));
  const taken = takenVersions(ctx);
  const findings: HygieneFinding[] = [];
  let floor = latest.version;
  const newMigrations = ctx.added
    .flatMap((file) => (file.migration !== null && !file.renamedFrom ? [file.migration] : []))
    .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
  for (const migration of newMigrations) {
    // Equal to an applied version: migration-duplicate-version says why that can never apply.
    if (migration.version >= latest.version || baseVersions.has(migration.version)) continue;
    const version = nextFreeVersion(floor, taken, ctx.now);
    let hint = '';
    if (version !== null) {
      taken.add(version);
      floor = version;
      hint = ` Give it a version after ${latest.version}: \`${renameCommand(ctx, migration.path, `${version}_${migration.name}.sql`)}\`, and check that it still applies on top of ${latest.fileName}.`;
    }
    findings.push(
      hygieneFinding(meta, {
        path: migration.path,
        startLine: 1,
        endLine: 1,
        title: 'Migration sorts before an applied migration',
        message:
          `\`${migration.fileName}\` sorts before \`${latest.fileName}\`, the latest migration on ${ctx.baseRef}, which the database has already applied. ` +
          '`supabase db push` then stops and applies nothing ("Found local migration files to be inserted before the last migration on remote database."); ' +
          'with `--include-all` it applies this file after the newer ones, in an order nobody tested, and a fresh database (`supabase db reset`, a preview branch) applies it before them.' +
          hint,
      }),
    );
  }
  return findings;
}

export const hygieneRule: HygieneRule = { meta, check };
