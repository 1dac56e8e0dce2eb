import type { Finding } from '../../types.js';
import { defineRule, findingOf } from '../rule.js';
import { describeAddedLines, type AddedLines } from '../significance.js';

export const waived = defineRule(
  'waived',
  'notice',
  'A significant change carries the waiver label (`no-spec`) with a reason; recorded so waivers stay visible.',
);

export function waivedFinding(added: AddedLines, waiverLabel: string, reason: string): Finding {
  return findingOf(waived, {
    title: 'Spec requirement waived',
    message: `${describeAddedLines(added)} without a spec bundle; waived by the \`${waiverLabel}\` label. Reason: ${reason}`,
  });
}
