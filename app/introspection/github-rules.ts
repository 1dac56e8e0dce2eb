import type { RepositoryAttributes, RepositoryInventory } from './github-inventory.js';
import type { Risk, RiskSeverity } from './types.js';

/**
 * The organisation policies a repository is held to. Each rule reads the inventory's attributes
 * and raises one risk per repository; a setting the token could not read raises nothing (the
 * inventory lists it as unknown), and archived repositories are left alone.
 */

export interface GitHubPolicyRule {
  id: string;
  severity: RiskSeverity;
  title: string;
  /** Why it matters, in words a repository owner can act on. */
  why: string;
  fix: string;
  docs: string;
  violated(attributes: RepositoryAttributes): boolean;
  detail(identity: string, attributes: RepositoryAttributes): string;
}

/** Run conclusions that mean the default branch is broken. */
export const FAILING_CONCLUSIONS: ReadonlySet<string> = new Set(['failure', 'timed_out', 'startup_failure', 'action_required']);
const branch = (attributes: RepositoryAttributes) => `\`${attributes.default_branch}\``;

export const GITHUB_POLICY_RULES: readonly GitHubPolicyRule[] = [
  {
    id: 'github.branch_protection_missing',
    severity: 'high',
    title: 'Default branch is not protected',
    why: 'Anyone with write access can push straight to the default branch, or force-push over its history, without review or CI.',
    fix: 'Add a branch ruleset targeting the default branch that requires a pull request with an approving review and the CI status checks, and blocks force pushes and deletion.',
    docs: 'https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/about-rulesets',
    violated: (a) => a.protection.source === 'none',
    detail: (identity, a) => `The default branch ${branch(a)} of ${identity} has no branch protection rule and no active ruleset.`,
  },
  {
    id: 'github.required_reviews_missing',
    severity: 'medium',
    title: 'Default branch merges without an approving review',
    why: 'A change reaches the default branch with no second pair of eyes, which is how mistakes and malicious commits get in.',
    fix: 'Require at least one approving review in the pull request rule of the default branch (branch protection or ruleset).',
    docs: 'https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/available-rules-for-rulesets#require-a-pull-request-before-merging',
    violated: (a) => (a.protection.source === 'branch-protection' || a.protection.source === 'rulesets') && (a.protection.required_reviews ?? 0) < 1,
    detail: (identity, a) =>
      `The default branch ${branch(a)} of ${identity} is protected (${a.protection.source}) but ${a.protection.required_reviews === null ? 'does not require a pull request' : 'requires no approving review'}.`,
  },
  {
    id: 'github.secret_scanning_disabled',
    severity: 'high',
    title: 'Secret scanning is off',
    why: 'Credentials committed to the repository go unnoticed until someone abuses them.',
    fix: 'Enable secret scanning in Settings → Code security (or through the organisation security configuration).',
    docs: 'https://docs.github.com/code-security/secret-scanning/enabling-secret-scanning-features/enabling-secret-scanning-for-your-repository',
    violated: (a) => a.security.secret_scanning === false,
    detail: (identity) => `Secret scanning is disabled on ${identity}.`,
  },
  {
    id: 'github.push_protection_disabled',
    severity: 'medium',
    title: 'Secret scanning push protection is off',
    why: 'Without push protection a secret is reported only after it has been pushed, when it must already be rotated.',
    fix: 'Enable push protection in Settings → Code security.',
    docs: 'https://docs.github.com/code-security/secret-scanning/enabling-secret-scanning-features/enabling-push-protection-for-your-repository',
    violated: (a) => a.security.push_protection === false,
    detail: (identity) => `Push protection for secret scanning is disabled on ${identity}.`,
  },
  {
    id: 'github.dependabot_alerts_disabled',
    severity: 'medium',
    title: 'Dependabot alerts are off',
    why: 'Dependencies with published vulnerabilities stay in use without anyone being told.',
    fix: 'Enable Dependabot alerts in Settings → Code security.',
    docs: 'https://docs.github.com/code-security/dependabot/dependabot-alerts/configuring-dependabot-alerts',
    violated: (a) => a.security.dependabot_alerts === false,
    detail: (identity) => `Dependabot alerts are disabled on ${identity}.`,
  },
  {
    id: 'github.codeowners_missing',
    severity: 'low',
    title: 'No CODEOWNERS file',
    why: 'Nobody is asked to review changes to sensitive paths, and ownership of the code is not written down.',
    fix: 'Add a CODEOWNERS file (in .github/, the root or docs/) naming the owning team for the repository or its sensitive paths.',
    docs: 'https://docs.github.com/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners',
    violated: (a) => a.codeowners === null && !('files' in a.unknown),
    detail: (identity) => `${identity} has no CODEOWNERS file in .github/, the root or docs/.`,
  },
  {
    id: 'github.default_branch_ci_failing',
    severity: 'medium',
    title: 'CI is failing on the default branch',
    why: 'A red default branch blocks every pull request based on it and hides new failures behind the old one.',
    fix: 'Fix or revert the change that broke the workflow on the default branch.',
    docs: 'https://docs.github.com/actions/monitoring-and-troubleshooting-workflows/about-monitoring-and-troubleshooting',
    violated: (a) => a.default_branch_ci !== null && FAILING_CONCLUSIONS.has(a.default_branch_ci.conclusion),
    detail: (identity, a) =>
      `The newest default-branch run of workflow "${a.default_branch_ci?.workflow}" on ${identity} concluded ${a.default_branch_ci?.conclusion}: ${a.default_branch_ci?.run_url}`,
  },
  {
    id: 'github.platform_kit_config_missing',
    severity: 'info',
    title: 'No Platform Kit config',
    why: 'The repository runs on the organisation defaults only; per-repository settings and waivers have nowhere to live.',
    fix: 'Add .github/platform-kit.yml (it may contain only `extends: org`).',
    docs: 'https://github.com/platform-kit/platform-kit/blob/main/README.md#configuration-reference',
    violated: (a) => !a.platform_kit_config && !('files' in a.unknown),
    detail: (identity) => `${identity} has no .github/platform-kit.yml.`,
  },
];

/** Stable across scans and renames in letter case: `github.<rule>_<owner>/<repo>`. */
export function githubRiskFingerprint(ruleId: string, identity: string): string {
  return `${ruleId}_${identity.toLowerCase()}`;
}

export function githubRepositoryRisks(repository: Pick<RepositoryInventory, 'identity' | 'attributes'>): Risk[] {
  const { identity, attributes } = repository;
  if (attributes.archived || !attributes.readable) return [];
  return GITHUB_POLICY_RULES.filter((rule) => rule.violated(attributes)).map((rule) => ({
    fingerprint: githubRiskFingerprint(rule.id, identity),
    rule_id: rule.id,
    title: rule.title,
    detail: `${rule.detail(identity, attributes)} Fix: ${rule.fix}`,
    severity: rule.severity,
    object_identity: identity,
    metadata: { why: rule.why, docs: rule.docs, fix: rule.fix, repository: identity, default_branch: attributes.default_branch, visibility: attributes.visibility },
    // Not fixable with SQL: the fix is a repository setting, described in `detail`.
    remediation: null,
  }));
}
