import { ProbotOctokit } from 'probot';

/** Retries of one request after a secondary rate limit, each after the Retry-After GitHub gave. */
export const SECONDARY_LIMIT_RETRIES = 3;

interface ThrottledRequest {
  method: string;
  url: string;
}

interface WarnLog {
  warn(message: string): void;
}

/**
 * The Octokit the App runs with: Probot's (throttling, retry of 5xx and network errors with
 * back-off), except that a secondary rate limit is retried after its Retry-After instead of only
 * logged, as Probot's default does, up to SECONDARY_LIMIT_RETRIES times.
 */
export const PlatformKitOctokit = ProbotOctokit.defaults((options: { throttle?: Record<string, unknown>; log?: WarnLog }) => ({
  ...options,
  throttle: {
    ...options.throttle,
    onSecondaryRateLimit: (retryAfter: number, request: ThrottledRequest, _octokit: unknown, retryCount: number) => {
      const retry = retryCount < SECONDARY_LIMIT_RETRIES;
      options.log?.warn(`Secondary rate limit hit by ${request.method} ${request.url}: ${retry ? `retrying in ${retryAfter} s (retry ${retryCount + 1} of ${SECONDARY_LIMIT_RETRIES})` : 'giving up'}`);
      return retry;
    },
  },
}));
