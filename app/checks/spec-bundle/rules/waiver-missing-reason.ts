import type { Finding } from '../../types.js';
import { defineRule, findingOf } from '../rule.js';
import { describeAddedLines, type AddedLines } from '../significance.js';
import { capitalize } from './missing-link.js';

export const waiverMissingReason = defineRule(
  'waiver-missing-reason',
  'error',
  'The waiver label (`no-spec`) is set but the PR body gives no `No-spec reason:` line.',
);

export function waiverMissingReasonFinding(added: AddedLines, waiverLabel: string): Finding {
  return findingOf(waiverMissingReason, {
    title: 'Spec waiver without a reason',
    message:
      `${describeAddedLines(added)} without a spec bundle, and the \`${waiverLabel}\` label is set without a reason. ` +
      `Add a line \`${capitalize(waiverLabel)} reason: <why this change needs no spec>\` to the PR body, or link a spec bundle.`,
  });
}
