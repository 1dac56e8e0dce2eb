import type { HygieneContext, HygieneRule } from '../hygiene/context.js';
import { compareMigrationText, type Difference } from '../hygiene/compare.js';
import { defineHygieneRule, hygieneFinding, type HygieneFinding } from '../hygiene/finding.js';
import { isInMigrationsDir, parseMigrationPath, type MigrationFile } from '../hygiene/migrations.js';

export const meta = defineHygieneRule(
  'migration-edited',
  'error',
  'A migration that exists on the base branch (and so has been applied) is not edited, renamed or deleted; changes go in a new migration.',
);

const NOT_RERUN =
  'The Supabase CLI records applied versions and never runs a migration twice, so the production database keeps the old version, ' +
  'while a fresh database (`supabase db reset`, a preview branch, a teammate\'s machine) gets the new one: the two drift apart.';

function restoreHint(ctx: HygieneContext, path: string): string {
  return `Restore it (\`git restore --source=origin/${ctx.baseRef} -- ${path}\`) and write the change as a new migration (\`supabase migration new <name>\`).`;
}

async function difference(ctx: HygieneContext, basePath: string, headPath: string): Promise<Difference> {
  const [before, after] = await Promise.all([ctx.readText('base', basePath), ctx.readText('head', headPath)]);
  if (before === null || after === null) return 'statements';
  return compareMigrationText(before, after);
}

async function editedInPlace(ctx: HygieneContext, migration: MigrationFile): Promise<HygieneFinding | null> {
  const file = ctx.changedFiles.get(migration.path);
  if (file === undefined || (file.status !== 'modified' && file.status !== 'changed')) return null;
  const diff = await difference(ctx, migration.path, migration.path);
  if (diff === 'identical') return null;
  const hunk = file.hunks?.[0];
  const startLine = hunk ? Math.max(1, hunk.headStart) : 1;
  const endLine = hunk ? Math.max(startLine, hunk.headStart + hunk.headLines - 1) : startLine;
  const at = { path: migration.path, startLine, endLine };
  if (diff === 'comments-or-layout') {
    return hygieneFinding(meta, {
      ...at,
      severity: 'notice',
      title: 'Applied migration edited (comments or layout only)',
      message:
        `\`${migration.fileName}\` is on ${ctx.baseRef}, so it has been applied. This edit changes only comments, whitespace or letter case, ` +
        'so no database differs because of it; still, applied migrations are best left as they ran.',
    });
  }
  return hygieneFinding(meta, {
    ...at,
    title: 'Applied migration edited',
    message: `\`${migration.fileName}\` is on ${ctx.baseRef}, so it has been applied. ${NOT_RERUN} ${restoreHint(ctx, migration.path)}`,
  });
}

function deleted(ctx: HygieneContext, migration: MigrationFile, movedTo?: string): HygieneFinding {
  const where = movedTo !== undefined ? `was moved to \`${movedTo}\`, where the CLI does not read it` : 'was deleted';
  return hygieneFinding(meta, {
    // A deleted file has no line to annotate; the finding names it instead.
    ...(movedTo !== undefined ? { path: movedTo, startLine: 1, endLine: 1 } : {}),
    title: `Applied migration deleted: ${migration.fileName}`,
    message:
      `\`${migration.path}\` is on ${ctx.baseRef}, so it has been applied, and ${where}. ` +
      '`supabase db push` compares the history table with the folder and stops ("Remote migration versions not found in local migrations directory."), ' +
      'and a fresh database is built without it. Keep the file; to undo what it did, write a new migration. ' +
      'If the history was squashed on purpose, repair it with `supabase migration repair` when this merges and waive this finding.',
  });
}

async function renamed(ctx: HygieneContext, from: MigrationFile, to: MigrationFile): Promise<HygieneFinding> {
  const at = { path: to.path, startLine: 1, endLine: 1 };
  if (to.version !== from.version) {
    return hygieneFinding(meta, {
      ...at,
      title: 'Applied migration renamed to another version',
      message:
        `\`${to.fileName}\` was \`${from.fileName}\` on ${ctx.baseRef}, applied as version ${from.version}. ` +
        `\`supabase db push\` no longer finds ${from.version} in the folder and stops ("Remote migration versions not found in local migrations directory."); ` +
        `past that, it would run the file a second time as version ${to.version}. Keep the original name.`,
    });
  }
  const diff = await difference(ctx, from.path, to.path);
  if (diff === 'statements') {
    return hygieneFinding(meta, {
      ...at,
      title: 'Applied migration renamed and edited',
      message: `\`${to.fileName}\` was \`${from.fileName}\` on ${ctx.baseRef}, so it has been applied. ${NOT_RERUN} Keep the original file and write the change as a new migration.`,
    });
  }
  return hygieneFinding(meta, {
    ...at,
    severity: 'warning',
    title: 'Applied migration renamed',
    message:
      `\`${to.fileName}\` was \`${from.fileName}\` on ${ctx.baseRef}, so it has been applied. The CLI matches migrations by version, so it will not run again, ` +
      `but the history table keeps the old name (\`supabase migration fetch\` writes \`${from.fileName}\` back). Keep the original name.`,
  });
}

async function check(ctx: HygieneContext): Promise<HygieneFinding[]> {
  const findings: HygieneFinding[] = [];
  const onHead = new Set(ctx.head.map((migration) => migration.path));
  const renamedTo = new Map<string, string>();
  for (const file of ctx.changeSet.files) {
    if (file.status === 'renamed' && file.previousPath !== undefined) renamedTo.set(file.previousPath, file.path);
  }
  const renameTargets = new Set(renamedTo.values());
  // Without rename information (or below git's similarity threshold), a new file with a vanished
  // migration's version is that migration under another name.
  const claimed = new Set<string>();
  const newByVersion = new Map<string, MigrationFile[]>();
  for (const file of ctx.added) {
    if (file.migration !== null) newByVersion.set(file.migration.version, [...(newByVersion.get(file.migration.version) ?? []), file.migration]);
  }

  for (const migration of ctx.base) {
    if (onHead.has(migration.path)) {
      const finding = await editedInPlace(ctx, migration);
      if (finding) findings.push(finding);
      continue;
    }
    const target = renamedTo.get(migration.path);
    if (target !== undefined) {
      const to = isInMigrationsDir(target, ctx.migrationsDir) ? parseMigrationPath(target) : null;
      claimed.add(target);
      findings.push(to === null ? deleted(ctx, migration, target) : await renamed(ctx, migration, to));
      continue;
    }
    const sameVersion = (newByVersion.get(migration.version) ?? []).find((candidate) => !claimed.has(candidate.path) && !renameTargets.has(candidate.path));
    if (sameVersion) {
      claimed.add(sameVersion.path);
      findings.push(await renamed(ctx, migration, sameVersion));
      continue;
    }
    findings.push(deleted(ctx, migration));
  }
  return findings;
}

export const hygieneRule: HygieneRule = { meta, check };
