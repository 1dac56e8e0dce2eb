import type { MigrationRule } from '../types.js';
import { rule as banCharField } from './ban-char-field.js';
import { rule as banCreateDomainWithConstraint } from './ban-create-domain-with-constraint.js';
import { rule as banDropColumn } from './ban-drop-column.js';
import { rule as banDropDatabase } from './ban-drop-database.js';
import { rule as banDropNotNull } from './ban-drop-not-null.js';
import { rule as banDropTable } from './ban-drop-table.js';
import { rule as banDuplicateColumnAssignments } from './ban-duplicate-column-assignments.js';
import { rule as banTruncateCascade } from './ban-truncate-cascade.js';
import { rule as dynamicSql } from './dynamic-sql.js';
import { rule as extensionWithoutSchema } from './extension-without-schema.js';
import { rule as grantToAnon } from './grant-to-anon.js';
import { rule as identifierTooLong } from './identifier-too-long.js';
import { rule as policyAlwaysTrue } from './policy-always-true.js';
import { rule as policyAuthPerRow } from './policy-auth-per-row.js';
import { rule as policyUserMetadata } from './policy-user-metadata.js';
import { rule as preferBigintOverInt } from './prefer-bigint-over-int.js';
import { rule as preferBigintOverSmallint } from './prefer-bigint-over-smallint.js';
import { rule as preferIdentity } from './prefer-identity.js';
import { rule as preferRobustStmts } from './prefer-robust-stmts.js';
import { rule as preferTextField } from './prefer-text-field.js';
import { rule as preferTimestamptz } from './prefer-timestamptz.js';
import { rule as renamingColumn } from './renaming-column.js';
import { rule as renamingTable } from './renaming-table.js';
import { rule as requireEnumValueOrdering } from './require-enum-value-ordering.js';
import { rule as requireTableSchema } from './require-table-schema.js';
import { rule as rlsNotEnabled } from './rls-not-enabled.js';
import { rule as securityDefinerSearchPath } from './security-definer-search-path.js';

/** Rules about destructive changes, types, naming and Supabase access (squawk's ids where the meaning is the same). */
export const schemaRules: MigrationRule[] = [
  // Data loss and broken clients.
  banDropDatabase,
  banDropTable,
  banDropColumn,
  banTruncateCascade,
  renamingTable,
  renamingColumn,
  banDropNotNull,
  banDuplicateColumnAssignments,
  // Supabase access.
  rlsNotEnabled,
  securityDefinerSearchPath,
  policyAlwaysTrue,
  policyUserMetadata,
  grantToAnon,
  policyAuthPerRow,
  extensionWithoutSchema,
  // Types, naming and robustness.
  preferBigintOverInt,
  preferBigintOverSmallint,
  preferIdentity,
  preferTextField,
  banCharField,
  preferTimestamptz,
  banCreateDomainWithConstraint,
  requireEnumValueOrdering,
  requireTableSchema,
  identifierTooLong,
  preferRobustStmts,
  dynamicSql,
];
