import type { Finding } from '../../types.js';
import { defineRule, findingOf } from '../rule.js';

export const symlinkOutsideRepo = defineRule(
  'symlink-outside-repo',
  'warning',
  'An agent instruction file is a symlink to a path outside the repository: what the agent reads there is neither reviewed nor kept in sync.',
);

export function symlinkOutsideRepoFinding(path: string, target: string | undefined): Finding {
  return findingOf(symlinkOutsideRepo, {
    path,
    title: `${path} points outside the repository`,
    message:
      target !== undefined
        ? `${path} is a symlink to ${target}, outside the repository; agents on other machines read something else or nothing. Link to a file in the repository (e.g. AGENTS.md) or commit the content.`
        : `${path} is listed in the repository but its content cannot be read: a symlink pointing outside the repository (or to nothing). Link to a file in the repository (e.g. AGENTS.md) or commit the content.`,
  });
}
