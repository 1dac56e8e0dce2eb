import type { GitHubClient } from './client.js';

export interface ApiCallCounter {
  /** Requests made so far through this Octokit instance; retries by the retry and throttling plugins run inside this hook and count once. */
  readonly count: number;
  /** `METHOD /route/template` → count, for the log line. */
  readonly byRoute: Readonly<Record<string, number>>;
}

/**
 * Counts the requests an Octokit instance sends. Probot creates one instance per event, so
 * wrapping it once gives the count for that event. The installation token request goes through
 * the auth strategy's own client and is not counted here (Probot caches the token for an hour).
 */
export function countApiCalls(octokit: GitHubClient): ApiCallCounter {
  let count = 0;
  const byRoute: Record<string, number> = {};
  octokit.hook.wrap('request', async (request, options) => {
    count += 1;
    const route = `${options.method} ${String(options.url).split('?')[0]}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
    return request(options);
  });
  return {
    get count() {
      return count;
    },
    byRoute,
  };
}
