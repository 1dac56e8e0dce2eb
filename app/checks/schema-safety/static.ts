import { ruleDocsUrl } from '../docs-url.js';
import type { Finding, RuleMeta } from '../types.js';
import { migrationRules } from './rules/index.js';
import { ensureParser, parseMigration, positionIn } from './sql/parse.js';
import type { MigrationRule, MigrationRuleContext, ParsedMigration, RuleHit } from './types.js';

export const CHECK_ID = 'schema-safety';

function meta(id: string, defaultSeverity: RuleMeta['defaultSeverity'], description: string): RuleMeta {
  return { id, defaultSeverity, description, fixable: false, docsUrl: ruleDocsUrl(CHECK_ID, id) };
}

/** Rules the static runner raises itself, around the per-statement rules. */
export const SYNTAX_ERROR = meta('syntax-error', 'error', 'A migration does not parse as PostgreSQL; statements after the error are not checked.');
export const PSQL_META_COMMAND = meta('psql-meta-command', 'notice', 'A psql meta-command (`\\i`, `\\set`, ...) is not SQL: the Supabase CLI cannot run it, and it was skipped.');
export const INVALID_WAIVER = meta('invalid-waiver', 'warning', 'A `-- platform-kit-ignore` comment names no rule, gives no reason, or precedes no statement.');
export const UNUSED_WAIVER = meta('unused-waiver', 'warning', 'A `-- platform-kit-ignore` comment waives a rule that does not fire on its statement.');

export const RUNNER_RULES: RuleMeta[] = [SYNTAX_ERROR, PSQL_META_COMMAND, INVALID_WAIVER, UNUSED_WAIVER];

export interface StaticLintOptions {
  pgVersion: number;
  inTransaction: boolean;
  exposedSchemas: string[];
  /** Default: every registered migration rule. */
  rules?: MigrationRule[];
}

export interface MigrationFile {
  path: string;
  text: string;
}

function hitToFinding(file: ParsedMigration, rule: MigrationRule, hit: RuleHit): Finding {
  const position = hit.location !== undefined ? positionIn(file.text, hit.location) : { line: hit.statement.line, column: hit.statement.column };
  const finding: Finding = {
    checkId: CHECK_ID,
    ruleId: rule.meta.id,
    severity: hit.severity ?? rule.meta.defaultSeverity,
    path: file.path,
    startLine: position.line,
    endLine: hit.location !== undefined ? position.line : hit.statement.endLine,
    startColumn: position.column,
    title: hit.title,
    message: hit.message,
    docsUrl: rule.meta.docsUrl,
  };
  if (hit.suggestion !== undefined) {
    // A suggestion replaces the statement's whole lines, so the finding spans them; the precise
    // column only stays when it is on the statement's first line.
    if (position.line !== hit.statement.line) finding.startColumn = hit.statement.column;
    finding.startLine = hit.statement.line;
    finding.endLine = hit.statement.endLine;
    finding.suggestion = hit.suggestion;
  }
  if (hit.fix) finding.fix = hit.fix;
  return finding;
}

function runnerFinding(file: ParsedMigration, rule: RuleMeta, line: number, column: number, title: string, message: string): Finding {
  return { checkId: CHECK_ID, ruleId: rule.id, severity: rule.defaultSeverity, path: file.path, startLine: line, endLine: line, startColumn: column, title, message, docsUrl: rule.docsUrl };
}

/** Runs the rules over parsed files, applying waivers and reporting unused or invalid ones. */
export function lintParsedMigrations(files: ParsedMigration[], options: StaticLintOptions): Finding[] {
  const rules = options.rules ?? migrationRules;
  const findings: Finding[] = [];
  const ctx: MigrationRuleContext = {
    pgVersion: options.pgVersion,
    inTransaction: options.inTransaction,
    exposedSchemas: options.exposedSchemas,
    changedMigrations: files,
  };
  // Waivers may name a rule by an alias (squawk's spelling); they count for the rule itself.
  const aliases = new Map<string, string>();
  for (const rule of rules) for (const alias of rule.meta.aliases ?? []) aliases.set(alias, rule.meta.id);
  const waives = (waiver: { rules: string[] }, ruleId: string): boolean => waiver.rules.some((id) => id === ruleId || aliases.get(id) === ruleId);
  for (const file of files) {
    const used = new Set<string>();
    for (const rule of rules) {
      let hits: RuleHit[];
      try {
        hits = rule.check(file, ctx);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`rule ${rule.meta.id} failed on ${file.path}: ${message}`);
      }
      for (const hit of hits) {
        const waiver = hit.statement.waivers.find((candidate) => waives(candidate, rule.meta.id));
        if (waiver) {
          used.add(`${hit.statement.index}:${rule.meta.id}`);
          continue;
        }
        findings.push(hitToFinding(file, rule, hit));
      }
    }
    for (const statement of file.statements) {
      for (const waiver of statement.waivers) {
        for (const ruleId of waiver.rules) {
          if (used.has(`${statement.index}:${aliases.get(ruleId) ?? ruleId}`)) continue;
          const known = aliases.has(ruleId) || rules.some((rule) => rule.meta.id === ruleId);
          findings.push(
            runnerFinding(
              file,
              UNUSED_WAIVER,
              waiver.line,
              1,
              'Unused waiver',
              known
                ? `\`platform-kit-ignore ${ruleId}\` waives nothing: ${ruleId} does not fire on the statement at line ${statement.line}. Remove the comment.`
                : `\`platform-kit-ignore ${ruleId}\`: there is no rule ${ruleId} (see \`platform-kit rules\`).`,
            ),
          );
        }
      }
    }
    if (file.syntaxError) {
      findings.push(
        runnerFinding(file, SYNTAX_ERROR, file.syntaxError.line, file.syntaxError.column, 'SQL syntax error', `${file.syntaxError.message}. Statements after this point were not checked.`),
      );
    }
    for (const meta of file.metaCommands) {
      findings.push(runnerFinding(file, PSQL_META_COMMAND, meta.line, meta.column, 'psql meta-command skipped', `\`${meta.message}\` is a psql meta-command, not SQL; it was skipped.`));
    }
    for (const problem of file.invalidWaivers) {
      findings.push(runnerFinding(file, INVALID_WAIVER, problem.line, problem.column, 'Invalid waiver', problem.message));
    }
  }
  return findings;
}

/** Static rules only, on files given as text (`platform-kit migrations lint`, benchmarks). */
export async function lintMigrationFiles(files: MigrationFile[], options: StaticLintOptions): Promise<Finding[]> {
  await ensureParser();
  // Filled by push rather than map(), whose JIT-compiled form makes holey arrays: every rule walks
  // this list, and a second array shape would send their compiled code back to the compiler.
  const parsed: ParsedMigration[] = [];
  for (const file of files) parsed.push(parseMigration(file.path, file.text));
  return lintParsedMigrations(parsed, options);
}
