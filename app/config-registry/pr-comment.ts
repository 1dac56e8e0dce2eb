/**
 * The pull request comment of config validation: one comment per pull request, edited in place on
 * every push (the sticky pattern of app/github/sticky-comment.ts with its own marker, so it never
 * replaces the check report's comment).
 */
import type { GitHubClient, RepoRef } from '../github/client.js';

export const CONFIG_COMMENT_MARKER = '<!-- platform-kit:config-publish -->';
const PAGE_SIZE = 100;
/** GitHub refuses comments over 65,536 characters. */
const COMMENT_LIMIT = 65_000;

export function configCommentBody(markdown: string): string {
  const body = `${CONFIG_COMMENT_MARKER}\n${markdown}`;
  return body.length <= COMMENT_LIMIT ? body : `${body.slice(0, COMMENT_LIMIT - 200)}\n\n…cut here; the job summary has the whole diff.\n`;
}

export async function upsertConfigComment(octokit: GitHubClient, repo: RepoRef, issueNumber: number, markdown: string): Promise<{ id: number; action: 'created' | 'updated' | 'unchanged' }> {
  const body = configCommentBody(markdown);
  const ours: Array<{ id: number; body: string }> = [];
  for (let page = 1; ; page++) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issueNumber, per_page: PAGE_SIZE, page });
    for (const comment of data) {
      if (comment.user?.type === 'Bot' && (comment.body ?? '').startsWith(CONFIG_COMMENT_MARKER)) ours.push({ id: Number(comment.id), body: comment.body ?? '' });
    }
    if (data.length < PAGE_SIZE) break;
  }
  const kept = ours.sort((a, b) => a.id - b.id)[0];
  if (kept) {
    if (kept.body === body) return { id: kept.id, action: 'unchanged' };
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: kept.id, body });
    return { id: kept.id, action: 'updated' };
  }
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issueNumber, body });
  return { id: Number(data.id), action: 'created' };
}
