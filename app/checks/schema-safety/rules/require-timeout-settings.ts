import { timeoutHit, describeLock } from './locking-support/timeout-rule.js';
import { timeoutAnalysis } from './locking-support/timeouts.js';
import { defineRule } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'require-timeout-settings',
    defaultSeverity: 'notice',
    description:
      'A migration locks a table that already exists (blocking writes or reads) without setting lock_timeout or statement_timeout first. One finding per file; require-lock-timeout and require-statement-timeout cover files that set only one.',
    fixable: true,
  },
  (file, ctx) => {
    const { firstBlockingLock: point, firstLongLock: long } = timeoutAnalysis(file, ctx);
    if (!point || point.lockTimeoutSet || point.statementTimeoutSet) return [];
    const settings: Array<'lock_timeout' | 'statement_timeout'> = long ? ['lock_timeout', 'statement_timeout'] : ['lock_timeout'];
    return [
      timeoutHit(file, ctx, point, settings, {
        title: 'No lock_timeout before a locking statement',
        message:
          `This statement ${describeLock(point)}, and the file sets no lock_timeout. If a long query holds ${point.use.name}, the migration waits for it, ` +
          `and every query on ${point.use.name} queues behind the migration: an outage until it gets the lock. With a lock_timeout it fails fast instead and can be retried.` +
          (long === undefined
            ? ''
            : long.statement === point.statement
              ? ` It also holds the lock while it scans or rewrites ${long.use.name}: a statement_timeout caps how long.`
              : ` Line ${long.statement.line} holds its lock while it scans or rewrites ${long.use.name}: a statement_timeout caps how long.`),
      }),
    ];
  },
);
