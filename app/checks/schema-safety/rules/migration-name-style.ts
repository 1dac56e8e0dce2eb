import type { HygieneContext, HygieneRule } from '../hygiene/context.js';
import { defineHygieneRule, hygieneFinding, type HygieneFinding } from '../hygiene/finding.js';
import { isLowerSnakeCase, renameCommand, snakeCaseName } from '../hygiene/naming.js';

export const meta = defineHygieneRule(
  'migration-name-style',
  'notice',
  'The name part of a new migration file is lower snake case (`20240315120000_add_orders_status.sql`).',
);

async function check(ctx: HygieneContext): Promise<HygieneFinding[]> {
  const findings: HygieneFinding[] = [];
  for (const file of ctx.added) {
    // A name that misses the configured pattern already gets a rename suggestion from migration-file-name.
    if (file.renamedFrom || file.migration === null || !ctx.fileNamePattern.test(file.fileName)) continue;
    const { version, name } = file.migration;
    if (isLowerSnakeCase(name)) continue;
    const suggested = `${version}_${snakeCaseName(name)}.sql`;
    findings.push(
      hygieneFinding(meta, {
        path: file.path,
        startLine: 1,
        endLine: 1,
        title: 'Migration name is not lower snake case',
        message:
          `\`${file.fileName}\`: ${name === '' ? 'the name after the version is empty' : `\`${name}\` is not lower snake case`}. ` +
          'One style keeps the folder readable and the names safe in every shell and URL; ' +
          `the name is stored in \`supabase_migrations.schema_migrations.name\`. Rename it before it is applied: \`${renameCommand(ctx, file.path, suggested)}\`.`,
      }),
    );
  }
  return findings;
}

export const hygieneRule: HygieneRule = { meta, check };
