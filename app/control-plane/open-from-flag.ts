/**
 * The control plane a command names: `--control-plane embedded|none|supabase|postgres://...` on the
 * CLI, or an Action's `control-plane` input (which also takes a Supabase project URL with a key).
 */
import { join } from 'node:path';
import { redactUrl } from '../cli/redact-url.js';
import { DEFAULT_CONTROL_PLANE_DIR, openControlPlane, type OpenControlPlaneOptions } from './index.js';
import type { ControlPlane } from './types.js';

type Env = Record<string, string | undefined>;

export interface ControlPlaneFlagOptions {
  /** The folder `embedded` keeps its PGlite data under (`PLATFORM_KIT_CONTROL_PLANE_DIR` is relative to it). */
  cwd: string;
  /** SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY and PLATFORM_KIT_CONTROL_PLANE_DIR are read from it. */
  env: Env;
  /** Whether `none` (store nothing) is a valid answer for the command. */
  allowNone: boolean;
  /** The error the caller reports bad usage with, so a CLI exits with its usage code. Default `Error`. */
  usageError?: (message: string) => Error;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** Where the embedded control plane keeps its data: under `cwd`, in PLATFORM_KIT_CONTROL_PLANE_DIR if set. */
function embeddedControlPlaneDir(cwd: string, env: Env): string {
  return join(cwd, env.PLATFORM_KIT_CONTROL_PLANE_DIR ?? DEFAULT_CONTROL_PLANE_DIR);
}

/**
 * Opens the control plane `where` names. Every failure, a bad value or a control plane that cannot
 * be reached, is a `usageError`: nothing has been stored yet, and the fix is on the caller's side.
 */
export async function openControlPlaneFromFlag(where: string, options: ControlPlaneFlagOptions & { allowNone: true }): Promise<ControlPlane | null>;
export async function openControlPlaneFromFlag(where: string, options: ControlPlaneFlagOptions & { allowNone: false }): Promise<ControlPlane>;
export async function openControlPlaneFromFlag(where: string, options: ControlPlaneFlagOptions): Promise<ControlPlane | null> {
  const usageError = options.usageError ?? ((message: string) => new Error(message));
  if (where === 'none' && options.allowNone) return null;
  const adapter = adapterFor(where, options, usageError);
  try {
    return await openControlPlane(adapter);
  } catch (error) {
    throw usageError(`cannot open the control plane (${where.startsWith('postgres') ? redactUrl(where) : where}): ${(error as Error).message}`);
  }
}

function adapterFor(where: string, options: ControlPlaneFlagOptions, usageError: (message: string) => Error): OpenControlPlaneOptions {
  if (where === 'embedded') return { adapter: 'pglite', dataDir: embeddedControlPlaneDir(options.cwd, options.env) };
  if (where === 'supabase') {
    const url = options.env.SUPABASE_URL;
    const key = options.env.SUPABASE_SERVICE_ROLE_KEY;
    if (!url || !key) throw usageError('--control-plane supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY');
    return { adapter: 'supabase', url, serviceRoleKey: key };
  }
  if (POSTGRES_URL.test(where)) return { adapter: 'postgres', connectionString: where };
  throw usageError(`--control-plane must be embedded${options.allowNone ? ', none' : ''}, supabase or a postgres:// URL (got "${where}")`);
}

export interface ControlPlaneInput {
  /** The value to give `openControlPlaneFromFlag`. */
  flag: string;
  /** The environment to give it: with a Supabase project URL, SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are set. */
  env: Env;
}

/**
 * An Action's `control-plane` input as the CLI's flag. A Supabase project URL
 * (https://<ref>.supabase.co) needs `control-plane-key` and becomes `supabase`; a postgres:// URL
 * holds a password, so it is masked in the log. Anything else is passed on as it is.
 */
export function controlPlaneFlagOfInput(input: string, key: string, env: Env, setSecret: (secret: string) => void): ControlPlaneInput {
  if (/^https:\/\//.test(input)) {
    if (!key) throw new Error('input control-plane-key is required with a Supabase URL as control-plane');
    return { flag: 'supabase', env: { ...env, SUPABASE_URL: input, SUPABASE_SERVICE_ROLE_KEY: key } };
  }
  if (POSTGRES_URL.test(input)) setSecret(input);
  return { flag: input, env: { ...env } };
}
