import { orgSlug as toOrgSlug, projectSlug } from '../control-plane/slugs.js';
import type { ControlPlane } from '../control-plane/types.js';
import type { GitHubClient } from '../github/client.js';
import { scanGitHubOrg } from '../introspection/github-inventory.js';
import { readmeInventoryFrom, type ReadmeInventory } from './model.js';

/** The repositories of the newest finished GitHub scan of `org` in the control plane, or null when there is none. */
export async function latestStoredInventory(controlPlane: ControlPlane, org: string): Promise<ReadmeInventory | null> {
  // The slugs `platform-kit introspect` stores an org's GitHub scans under.
  const orgSlug = toOrgSlug(org);
  const orgId = await controlPlane.introspection.findOrg(orgSlug);
  if (!orgId) return null;
  const { project_id: projectId } = await controlPlane.ensureProject({ orgSlug, projectSlug: projectSlug(`github-${org}`, 'github'), provider: 'github', externalRef: org });
  const scan = await controlPlane.latestScan({ orgId, projectId, kind: 'github' });
  if (!scan || scan.status === 'running' || scan.status === 'failed' || !scan.finished_at) return null;
  const objects = await controlPlane.scanObjects({ orgId, scanId: Number(scan.id), objectType: 'repository' });
  return readmeInventoryFrom({ org, finished_at: scan.finished_at, objects }, `control plane scan ${scan.id}`);
}

export type InventorySource = { kind: 'control-plane'; scanAt: string | null } | { kind: 'fresh-scan' };

/** The stored inventory when there is one, else a fresh scan of the organisation. */
export async function orgReadmeInventory(input: { org: string; controlPlane: ControlPlane | null; octokit: GitHubClient; onProgress?: (done: number, total: number) => void }): Promise<{ inventory: ReadmeInventory; source: InventorySource }> {
  if (input.controlPlane) {
    const stored = await latestStoredInventory(input.controlPlane, input.org);
    if (stored) return { inventory: stored, source: { kind: 'control-plane', scanAt: stored.scannedAt ?? null } };
  }
  const scan = await scanGitHubOrg(input.octokit, input.org, { teams: false, ...(input.onProgress ? { onProgress: input.onProgress } : {}) });
  return { inventory: { org: input.org, scannedAt: new Date().toISOString(), repositories: scan.repositories }, source: { kind: 'fresh-scan' } };
}
