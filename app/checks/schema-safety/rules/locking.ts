import type { MigrationRule } from '../types.js';
import { rule as addingFieldWithDefault } from './adding-field-with-default.js';
import { rule as addingForeignKeyConstraint } from './adding-foreign-key-constraint.js';
import { rule as addingNotNullableField } from './adding-not-nullable-field.js';
import { rule as addingRequiredField } from './adding-required-field.js';
import { rule as addingSerialPrimaryKeyField } from './adding-serial-primary-key-field.js';
import { rule as avoidWideLockWindow } from './avoid-wide-lock-window.js';
import { rule as banAlterDomainWithAddConstraint } from './ban-alter-domain-with-add-constraint.js';
import { rule as banConcurrentIndexCreationInTransaction } from './ban-concurrent-index-creation-in-transaction.js';
import { rule as banUncommittedTransaction } from './ban-uncommitted-transaction.js';
import { rule as changingColumnType } from './changing-column-type.js';
import { rule as constraintMissingNotValid } from './constraint-missing-not-valid.js';
import { rule as disallowedUniqueConstraint } from './disallowed-unique-constraint.js';
import { rule as preferRepack } from './prefer-repack.js';
import { rule as requireConcurrentIndexCreation } from './require-concurrent-index-creation.js';
import { rule as requireConcurrentIndexDeletion } from './require-concurrent-index-deletion.js';
import { rule as requireConcurrentPartitionDetach } from './require-concurrent-partition-detach.js';
import { rule as requireConcurrentReindex } from './require-concurrent-reindex.js';
import { rule as requireLockTimeout } from './require-lock-timeout.js';
import { rule as requireStatementTimeout } from './require-statement-timeout.js';
import { rule as requireTimeoutSettings } from './require-timeout-settings.js';
import { rule as transactionNesting } from './transaction-nesting.js';

/** Rules about locks, rewrites and transactions (squawk's ids where the meaning is the same). */
export const lockingRules: MigrationRule[] = [
  addingFieldWithDefault,
  addingForeignKeyConstraint,
  addingNotNullableField,
  addingRequiredField,
  addingSerialPrimaryKeyField,
  banConcurrentIndexCreationInTransaction,
  changingColumnType,
  constraintMissingNotValid,
  disallowedUniqueConstraint,
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  requireConcurrentPartitionDetach,
  requireConcurrentReindex,
  preferRepack,
  banAlterDomainWithAddConstraint,
  transactionNesting,
  banUncommittedTransaction,
  requireTimeoutSettings,
  requireLockTimeout,
  requireStatementTimeout,
  avoidWideLockWindow,
];
