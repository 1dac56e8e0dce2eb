/**
 * The Postgres server the server tests run against: 127.0.0.1:5432, user postgres, trust auth
 * (or SHADOW_DATABASE_URL). Locally a missing server skips those tests; in CI it is an error, as
 * .ci/run treats it, so a green CI run never means "skipped for want of a server".
 */
import { DEFAULT_SHADOW_DATABASE_URL, isPostgresServerReachable } from '../../app/checks/schema-safety/shadow/index.js';

/** CI as .ci/run and GitHub Actions set it: any value but empty, `false` or `0`. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * Whether the server answers at `url`. Without one it returns false locally, and throws in CI:
 * awaited at the top of a test file it fails the file, inside a test it fails that test.
 */
export async function serverAvailable(url: string = process.env.SHADOW_DATABASE_URL ?? DEFAULT_SHADOW_DATABASE_URL): Promise<boolean> {
  if (await isPostgresServerReachable(url)) return true;
  if (inCi()) throw new Error(`No Postgres server answers at ${hostOf(url)}; CI must provide one (see .ci/run).`);
  return false;
}

/** The URL's host and port: the password stays out of the message. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'SHADOW_DATABASE_URL (unparseable)';
  }
}
