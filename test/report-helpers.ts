import type { CheckResult, Finding, Severity } from '../app/checks/types.js';

export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    checkId: 'spec-bundle',
    ruleId: 'required-file',
    severity: 'error',
    path: 'spec/login/plan.md',
    startLine: 3,
    endLine: 3,
    title: 'Missing required file',
    message: 'spec/login is missing tasks.md.',
    docsUrl: 'https://github.com/platform-kit/platform-kit/blob/main/app/checks/spec-bundle/docs/required-file.md',
    ...overrides,
  };
}

export function result(findings: Finding[], overrides: Partial<CheckResult> = {}): CheckResult {
  const conclusion = findings.some((f) => f.severity === 'error') ? 'failure' : 'success';
  return {
    checkId: findings[0]?.checkId ?? 'spec-bundle',
    title: 'Spec bundle',
    conclusion,
    summary: 'Spec bundles checked.',
    findings,
    ...overrides,
  };
}

const SEVERITY_CYCLE: Severity[] = ['error', 'warning', 'notice'];

/** Many findings with multibyte text (CJK, accents, an astral emoji) to exercise size budgets. */
export function manyFindings(count: number, options: { withPath?: boolean; messageRepeat?: number } = {}): Finding[] {
  const withPath = options.withPath ?? true;
  const unit = 'Überprüfung fehlgeschlagen — 仕様が不足しています 🚀 ';
  return Array.from({ length: count }, (_, i) =>
    finding({
      severity: SEVERITY_CYCLE[i % 3] ?? 'error',
      ruleId: `rule-${i % 7}`,
      path: withPath ? `spec/feature-${Math.floor(i / 10)}/plan-é.md` : undefined,
      startLine: withPath ? (i % 400) + 1 : undefined,
      endLine: withPath ? (i % 400) + 1 : undefined,
      title: `Finding ${i} 🚀`,
      message: `#${i} ${unit.repeat(options.messageRepeat ?? 3)}`,
    }),
  );
}

/** A lone surrogate means a multibyte character was cut in half. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function moreCount(text: string): number | undefined {
  const match = /… (\d+) more findings? not shown/.exec(text);
  return match ? Number(match[1]) : undefined;
}
