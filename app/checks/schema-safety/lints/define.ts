import { ruleDocsUrl } from '../../docs-url.js';
import type { Severity } from '../../types.js';
import { lintSql } from './sql.generated.js';
import type { CatalogLint, CatalogLintRequirements, LintCategory, LintLevel } from './types.js';

const CHECK_ID = 'schema-safety';

const SEVERITY_OF_LEVEL: Record<LintLevel, Severity> = { ERROR: 'error', WARN: 'warning', INFO: 'notice' };

export interface CatalogLintSpec {
  id: string;
  title: string;
  level: LintLevel;
  categories: LintCategory[];
  description: string;
  fixable: boolean;
  /** Overrides the severity the level maps to, where DESIGN.md's signal policy asks for less. */
  severity?: Severity;
  /** Default true. */
  shadowApplicable?: boolean;
  requires?: CatalogLintRequirements;
}

/** Where a lint's SQL takes the exposed schemas: always typed, so the parameter's type is known. */
const EXPOSED_SCHEMAS_PARAM = /\$1::text\[\]/;

/** Builds a lint from its spec and the SQL of `lints/<id>.sql` (embedded in sql.generated.ts). */
export function defineCatalogLint(spec: CatalogLintSpec): CatalogLint {
  const sql = lintSql[spec.id];
  if (sql === undefined) {
    throw new Error(`Catalog lint ${spec.id} has no SQL: add lints/${spec.id}.sql and regenerate sql.generated.ts (npx tsx app/checks/schema-safety/lints/generate-sql.ts)`);
  }
  return {
    meta: {
      id: spec.id,
      defaultSeverity: spec.severity ?? SEVERITY_OF_LEVEL[spec.level],
      description: spec.description,
      fixable: spec.fixable,
      docsUrl: ruleDocsUrl(CHECK_ID, spec.id),
      title: spec.title,
      level: spec.level,
      categories: spec.categories,
      shadowApplicable: spec.shadowApplicable ?? true,
    },
    sql,
    usesExposedSchemas: EXPOSED_SCHEMAS_PARAM.test(sql),
    requires: spec.requires ?? {},
  };
}

/** The Supabase API roles: lints about exposure need at least one of them. */
export const API_ROLES = ['anon', 'authenticated'] as const;
