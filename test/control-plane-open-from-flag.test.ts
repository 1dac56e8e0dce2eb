import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlPlaneFlagOfInput, openControlPlaneFromFlag } from '../app/control-plane/open-from-flag.js';
import { orgSlugOf, projectSlug } from '../app/control-plane/slugs.js';

class FlagUsageError extends Error {}
const usageError = (message: string) => new FlagUsageError(message);

describe('openControlPlaneFromFlag', () => {
  let cwd: string;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'pk-flag-'));
  });

  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('returns no control plane for none only where the command allows it', async () => {
    await expect(openControlPlaneFromFlag('none', { cwd, env: {}, allowNone: true })).resolves.toBeNull();
    await expect(openControlPlaneFromFlag('none', { cwd, env: {}, allowNone: false, usageError })).rejects.toThrow(
      new FlagUsageError('--control-plane must be embedded, supabase or a postgres:// URL (got "none")'),
    );
    await expect(openControlPlaneFromFlag('mysql://x', { cwd, env: {}, allowNone: true, usageError })).rejects.toThrow(
      new FlagUsageError('--control-plane must be embedded, none, supabase or a postgres:// URL (got "mysql://x")'),
    );
  });

  it('asks for the Supabase credentials before connecting', async () => {
    const attempt = openControlPlaneFromFlag('supabase', { cwd, env: { SUPABASE_URL: 'https://abc.supabase.co' }, allowNone: false, usageError });
    await expect(attempt).rejects.toBeInstanceOf(FlagUsageError);
    await expect(attempt).rejects.toThrow('--control-plane supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY');
  });

  it('reports a control plane that cannot be opened as a usage error naming it', async () => {
    const attempt = openControlPlaneFromFlag('supabase', { cwd, env: { SUPABASE_URL: 'not a url', SUPABASE_SERVICE_ROLE_KEY: 'key' }, allowNone: false, usageError });
    await expect(attempt).rejects.toBeInstanceOf(FlagUsageError);
    await expect(attempt).rejects.toThrow(/^cannot open the control plane \(supabase\): \S/);
  });

  it('opens the embedded control plane under the working directory, or where PLATFORM_KIT_CONTROL_PLANE_DIR says', async () => {
    const controlPlane = await openControlPlaneFromFlag('embedded', { cwd, env: { PLATFORM_KIT_CONTROL_PLANE_DIR: 'state/cp' }, allowNone: false });
    try {
      expect(controlPlane.kind).toBe('pglite');
      expect(existsSync(join(cwd, 'state', 'cp'))).toBe(true);
    } finally {
      await controlPlane.close();
    }
  }, 60_000);
});

describe('controlPlaneFlagOfInput', () => {
  it('turns a Supabase project URL and the key into the supabase flag and its environment', () => {
    const secrets: string[] = [];
    const input = controlPlaneFlagOfInput('https://abc.supabase.co', 'service-key', { GITHUB_SHA: 'a' }, (secret) => secrets.push(secret));
    expect(input).toEqual({ flag: 'supabase', env: { GITHUB_SHA: 'a', SUPABASE_URL: 'https://abc.supabase.co', SUPABASE_SERVICE_ROLE_KEY: 'service-key' } });
    expect(secrets).toEqual([]);
    expect(() => controlPlaneFlagOfInput('https://abc.supabase.co', '', {}, () => undefined)).toThrow('input control-plane-key is required with a Supabase URL as control-plane');
  });

  it('masks a postgres:// URL and passes other values on unchanged', () => {
    const secrets: string[] = [];
    expect(controlPlaneFlagOfInput('postgresql://u:p@db/ops', '', {}, (secret) => secrets.push(secret)).flag).toBe('postgresql://u:p@db/ops');
    expect(controlPlaneFlagOfInput('embedded', '', {}, (secret) => secrets.push(secret)).flag).toBe('embedded');
    expect(secrets).toEqual(['postgresql://u:p@db/ops']);
  });
});

describe('control plane slugs', () => {
  // ops.orgs.slug's check constraint (supabase/migrations/20250601000000_ops_tenancy.sql).
  const ORG_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

  it('takes the org from --org, then PLATFORM_KIT_ORG, then GITHUB_REPOSITORY_OWNER, else local', () => {
    const env = { PLATFORM_KIT_ORG: 'Platform', GITHUB_REPOSITORY_OWNER: 'Acme' };
    expect(orgSlugOf('Flagged', env)).toBe('flagged');
    expect(orgSlugOf(undefined, env)).toBe('platform');
    expect(orgSlugOf(undefined, { GITHUB_REPOSITORY_OWNER: 'Acme' })).toBe('acme');
    expect(orgSlugOf(undefined, {})).toBe('local');
    expect(orgSlugOf('***', {})).toBe('local');
  });

  it('folds any name into a slug the control plane accepts for an org', () => {
    for (const name of ['My_Org.io', '-lead-', 'a'.repeat(80), 'Ünïcode Team']) expect(orgSlugOf(name, {})).toMatch(ORG_SLUG);
    expect(orgSlugOf('My_Org.io', {})).toBe('my-org-io');
  });

  it('keeps dots and underscores in project slugs and falls back when nothing is left', () => {
    expect(projectSlug('db.acme.test-App_DB', 'database')).toBe('db.acme.test-app_db');
    expect(projectSlug('--', 'migrations')).toBe('migrations');
  });
});
