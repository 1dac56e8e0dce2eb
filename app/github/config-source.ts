import type { ConfigFileRef, ConfigSource } from '../config/load.js';
import { isNotFound, type GitHubClient } from './client.js';

/**
 * Config files read through the contents API on each repository's default branch, so a pull
 * request (from a fork, say) cannot loosen the rules that check it.
 */
export function contentsConfigSource(octokit: GitHubClient): ConfigSource {
  return {
    async read(ref: ConfigFileRef): Promise<string | null> {
      let data: unknown;
      try {
        ({ data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner: ref.owner, repo: ref.repo, path: ref.path }));
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
      const file = data as { type?: string; content?: string; encoding?: string };
      if (Array.isArray(data) || file.type !== 'file' || typeof file.content !== 'string') {
        throw new Error(`${ref.owner}/${ref.repo}:${ref.path} is not a file`);
      }
      if (file.encoding !== 'base64') throw new Error(`${ref.owner}/${ref.repo}:${ref.path} is too large to be a config file`);
      return Buffer.from(file.content, 'base64').toString('utf8');
    },
  };
}
