const REPO_BLOB = 'https://github.com/platform-kit/platform-kit/blob/main';

/** Each rule is documented next to its code, in app/checks/<check>/docs/<rule>.md. */
export function ruleDocsUrl(checkId: string, ruleId: string): string {
  return `${REPO_BLOB}/app/checks/${checkId}/docs/${ruleId}.md`;
}
