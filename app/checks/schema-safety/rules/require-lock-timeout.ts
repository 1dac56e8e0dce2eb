import { timeoutHit, describeLock } from './locking-support/timeout-rule.js';
import { timeoutAnalysis } from './locking-support/timeouts.js';
import { defineRule } from './locking-support/rule.js';

export const rule = defineRule(
  {
    id: 'require-lock-timeout',
    defaultSeverity: 'notice',
    description:
      'A migration that sets statement_timeout locks a table that already exists without setting lock_timeout first (when it sets neither, require-timeout-settings reports it).',
    fixable: true,
  },
  (file, ctx) => {
    const { firstBlockingLock: point } = timeoutAnalysis(file, ctx);
    // Neither set: require-timeout-settings reports the file once, with both settings.
    if (!point || point.lockTimeoutSet || !point.statementTimeoutSet) return [];
    return [
      timeoutHit(file, ctx, point, ['lock_timeout'], {
        title: 'No lock_timeout before a locking statement',
        message:
          `This statement ${describeLock(point)}, and no lock_timeout is set. If a long query holds ${point.use.name}, the migration waits for it and every query ` +
          `on ${point.use.name} queues behind it. statement_timeout counts that wait too, but it is sized for the work, so the queue builds up for that long; a short lock_timeout makes it fail fast and retry instead.`,
      }),
    ];
  },
);
