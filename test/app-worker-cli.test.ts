import { describe, expect, it } from '@jest/globals';
import { runCli, type CliIo } from '../app/cli.js';
import { parseWorkerArgs } from '../app/cli/worker.js';

/** `platform-kit worker`: settings from the environment and flags, and clear errors for missing ones. */

function io(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const cliIo: CliIo = { stdout: (text) => void out.push(text), stderr: (text) => void err.push(text), cwd: process.cwd(), env };
  return { cliIo, out, err };
}

const ENV = { APP_ID: '12', PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----', DATABASE_URL: 'postgres://127.0.0.1/db' };

describe('platform-kit worker', () => {
  it('reads its settings from the environment and its flags', async () => {
    const settings = await parseWorkerArgs(['--concurrency', '8', '--lease-seconds', '30'], ENV);
    expect(settings).toMatchObject({ appId: 12, databaseUrl: 'postgres://127.0.0.1/db', concurrency: 8, leaseSeconds: 30, pollMs: 500 });
    // PRIVATE_KEY as .env files hold it: one line with \n escapes.
    expect(settings.privateKey).toBe('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----');
    expect((await parseWorkerArgs([], { ...ENV, PLATFORM_KIT_CONCURRENCY: '3' })).concurrency).toBe(3);
    expect((await parseWorkerArgs([], ENV)).port).toBeUndefined();
    expect((await parseWorkerArgs(['--port', '9464'], ENV)).port).toBe(9464);
    expect((await parseWorkerArgs([], { ...ENV, PORT: '8080' })).port).toBe(8080);
  });

  it('names what is missing or wrong, with the usage exit code', async () => {
    const cases: Array<[string[], Record<string, string | undefined>, string]> = [
      [[], { ...ENV, APP_ID: undefined }, 'APP_ID must be set'],
      [[], { ...ENV, PRIVATE_KEY: undefined }, 'PRIVATE_KEY or PRIVATE_KEY_PATH'],
      [[], { ...ENV, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: '/nonexistent/key.pem' }, 'PRIVATE_KEY_PATH /nonexistent/key.pem cannot be read'],
      [[], { ...ENV, DATABASE_URL: undefined }, 'DATABASE_URL must name the control plane database'],
      [['--concurrency', 'many'], ENV, '--concurrency must be a positive integer, got "many"'],
      [['--verbose'], ENV, "Unknown option '--verbose'"],
    ];
    for (const [argv, env, message] of cases) {
      const { cliIo, err } = io(env);
      expect(await runCli(['worker', ...argv], cliIo)).toBe(2);
      expect(err.join('')).toContain(message);
    }
  });

  it('prints its usage', async () => {
    const { cliIo, out } = io();
    expect(await runCli(['worker', '--help'], cliIo)).toBe(0);
    expect(out.join('')).toContain('platform-kit worker [--concurrency N]');
  });
});
