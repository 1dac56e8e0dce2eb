import type { Octokit } from '@octokit/core';

/**
 * The slice of Octokit the GitHub glue uses: explicit routes through `request`, and `hook` for
 * counting calls. Probot's context.octokit and @actions/github's getOctokit() both fit.
 */
export type GitHubClient = Pick<Octokit, 'request' | 'hook'>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** The status of an Octokit RequestError, or undefined for anything else (network errors, bugs). */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

export function isNotFound(error: unknown): boolean {
  return httpStatus(error) === 404;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The log methods the GitHub glue calls; pino's Logger (Probot's context.log) satisfies it. */
export interface EventLog {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLog: EventLog = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
