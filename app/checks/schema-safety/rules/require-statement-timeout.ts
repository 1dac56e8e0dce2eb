import { timeoutHit, describeLock } from './locking-support/timeout-rule.js';
import { timeoutAnalysis } from './locking-support/timeouts.js';
import { defineRule } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'require-statement-timeout',
    defaultSeverity: 'notice',
    description:
      'A migration that sets lock_timeout scans or rewrites an existing table while holding a blocking lock, without a statement_timeout to cap how long (when it sets neither, require-timeout-settings reports it).',
    fixable: true,
  },
  (file, ctx) => {
    const { firstLongLock: point, firstBlockingLock: first } = timeoutAnalysis(file, ctx);
    if (!point || point.statementTimeoutSet || !point.lockTimeoutSet) return [];
    // Reported with require-timeout-settings when the file's first locking statement had neither.
    if (first && !first.lockTimeoutSet && !first.statementTimeoutSet) return [];
    return [
      timeoutHit(file, ctx, point, ['statement_timeout'], {
        title: 'No statement_timeout before a long locking statement',
        message:
          `This statement ${describeLock(point)} while it scans, rewrites or builds an index over the whole table, and no statement_timeout is set: ` +
          `the lock lasts as long as the table is big. A statement_timeout turns an unexpectedly long outage into a failed, retryable migration.`,
      }),
    ];
  },
);
