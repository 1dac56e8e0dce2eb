import { isStickyComment } from '../report/index.js';
import { silentLog, type EventLog, type GitHubClient, type RepoRef } from './client.js';

const PAGE_SIZE = 100;

export interface StickyCommentOptions {
  octokit: GitHubClient;
  repo: RepoRef;
  issueNumber: number;
  /** Must start with the sticky marker (renderComment does). */
  body: string;
  /** Only comments by this login count as ours (e.g. `my-app[bot]`); default any Bot. */
  botLogin?: string;
  log?: EventLog;
}

export interface StickyCommentResult {
  id: number;
  action: 'created' | 'updated' | 'unchanged';
  /** Copies of our comment found and deleted (left by an earlier race). */
  removedDuplicates: number;
}

interface Comment {
  id: number;
  body: string;
}

/**
 * Keeps exactly one Platform Kit comment on a pull request: the oldest comment of ours is edited
 * in place (not at all when the text is the same), a new one is created only when none exists,
 * and a copy created by a concurrent delivery elsewhere is removed.
 */
export async function upsertStickyComment(options: StickyCommentOptions): Promise<StickyCommentResult> {
  const log = options.log ?? silentLog;
  if (!isStickyComment(options.body)) throw new Error('a sticky comment body must start with the sticky marker');
  const ours = await listOurComments(options);
  const [kept, ...extra] = ours;
  if (kept) {
    const removedDuplicates = await deleteComments(options, extra, log);
    if (kept.body === options.body) return { id: kept.id, action: 'unchanged', removedDuplicates };
    await updateComment(options, kept.id);
    return { id: kept.id, action: 'updated', removedDuplicates };
  }

  const { data: createdComment } = await options.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    ...options.repo,
    issue_number: options.issueNumber,
    body: options.body,
  });
  const created = { id: Number(createdComment.id) };
  // Another process handling the same PR at the same moment may have created one too: the oldest stays.
  const after = await listOurComments(options);
  const oldest = after[0];
  if (!oldest || oldest.id === created.id) {
    return { id: created.id, action: 'created', removedDuplicates: await deleteComments(options, after.slice(1), log) };
  }
  const removedDuplicates = await deleteComments(options, after.slice(1), log);
  if (oldest.body !== options.body) await updateComment(options, oldest.id);
  log.info({ kept: oldest.id, removed: created.id }, 'sticky comment created concurrently elsewhere; kept the older one');
  return { id: oldest.id, action: 'updated', removedDuplicates };
}

async function listOurComments(options: StickyCommentOptions): Promise<Comment[]> {
  const ours: Comment[] = [];
  for (let page = 1; ; page++) {
    const { data } = await options.octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...options.repo,
      issue_number: options.issueNumber,
      per_page: PAGE_SIZE,
      page,
    });
    for (const comment of data) {
      const body = comment.body ?? '';
      const author = comment.user;
      const byUs = options.botLogin ? author?.login === options.botLogin : author?.type === 'Bot';
      if (byUs && isStickyComment(body)) ours.push({ id: Number(comment.id), body });
    }
    if (data.length < PAGE_SIZE) break;
  }
  return ours.sort((a, b) => a.id - b.id);
}

function updateComment(options: StickyCommentOptions, id: number): Promise<unknown> {
  return options.octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
    ...options.repo,
    comment_id: id,
    body: options.body,
  });
}

async function deleteComments(options: StickyCommentOptions, comments: Comment[], log: EventLog): Promise<number> {
  let removed = 0;
  for (const comment of comments) {
    try {
      await options.octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...options.repo, comment_id: comment.id });
      removed += 1;
    } catch (error) {
      // Someone else removed it first: the goal is met either way.
      log.warn({ commentId: comment.id, err: error }, 'duplicate sticky comment not deleted');
    }
  }
  return removed;
}
