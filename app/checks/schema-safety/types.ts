import type { Fix, RuleMeta, Severity } from '../types.js';

/** A node of libpg-query's JSON AST: `{ CreateStmt: { ... } }` (one key, the node type). */
export type PgNode = Record<string, unknown>;

/** `-- platform-kit-ignore <rule>[, <rule>]: <reason>` written on the lines before a statement. */
export interface Waiver {
  rules: string[];
  reason: string;
  /** 1-based line of the comment. */
  line: number;
  /** Set by the runner when a finding was waived by it; unused waivers are reported. */
  used?: boolean;
}

export interface SqlStatement {
  /** 0-based position in the file. */
  index: number;
  /** The statement's source text, from its first token (comments and blank lines before it excluded). */
  text: string;
  /** Character offsets in the file: [start, end). */
  start: number;
  end: number;
  /** 1-based position of the first token, and of the last line. */
  line: number;
  column: number;
  endLine: number;
  /** The statement node, e.g. `{ CreateStmt: {...} }`. */
  node: PgNode;
  /** The node type, e.g. `CreateStmt`, `AlterTableStmt`, `IndexStmt`. */
  kind: string;
  waivers: Waiver[];
}

export interface SqlProblem {
  /** 1-based. */
  line: number;
  column: number;
  message: string;
}

export interface ParsedMigration {
  /** Repository-relative path. */
  path: string;
  text: string;
  statements: SqlStatement[];
  /** A syntax error stops the file's parsing: no statements are reported after it. */
  syntaxError?: SqlProblem;
  /** psql meta-commands (`\i`, `\set`, ...): removed before parsing, reported as notices. */
  metaCommands: SqlProblem[];
  /** Waivers that precede no statement, or have no reason. */
  invalidWaivers: SqlProblem[];
}

/** What a migration rule sees besides the file. */
export interface MigrationRuleContext {
  /** Target Postgres major version (config `pgVersion`, default 15). */
  pgVersion: number;
  /**
   * Whether the file runs inside a transaction. The Supabase CLI wraps each migration file in one,
   * so the default is true (config `assumeInTransaction`).
   */
  inTransaction: boolean;
  /** Schemas the Data API exposes (supabase/config.toml `[api] schemas`, default `public`). */
  exposedSchemas: string[];
  /** Every migration file this change adds or modifies, in apply order (for rules that look across files). */
  changedMigrations: ParsedMigration[];
}

/** One problem found by a rule, at a statement (or at a node inside it when `location` is given). */
export interface RuleHit {
  statement: SqlStatement;
  /** Character offset in the file of the offending token, when more precise than the statement. */
  location?: number;
  title: string;
  message: string;
  /** Override of the rule's default severity for this hit (e.g. a notice when the risk is version-dependent). */
  severity?: Severity;
  /** Replacement for the statement's lines (shown as a GitHub suggested change). */
  suggestion?: string;
  fix?: Fix;
}

export interface MigrationRule {
  meta: RuleMeta;
  check(file: ParsedMigration, ctx: MigrationRuleContext): RuleHit[];
}
