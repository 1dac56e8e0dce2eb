import { describe, expect, it } from '@jest/globals';
import { openPgControlPlane, PermissionDeniedError } from '../app/control-plane/index.js';
import { describeControlPlaneClient } from './helpers/control-plane-client-suite.js';
import { openControlPlaneDb, type ControlPlaneDb } from './helpers/control-plane-db.js';
import { serverAvailable } from './helpers/postgres-server.js';

// The pg adapter on the Postgres server, each session running as service_role (as a worker or an
// Action connecting with SUPABASE_DB_URL would), against a fresh database holding the migrations.
const serverUp = await serverAvailable();

if (serverUp) {
  describeControlPlaneClient('pg on the Postgres server', async () => {
    const handle = await openControlPlaneDb('postgres');
    const controlPlane = openPgControlPlane({ connectionString: handle.connectionString!, role: 'service_role' });
    return {
      controlPlane,
      admin: handle.db,
      close: async () => {
        await controlPlane.close();
        await handle.close();
      },
    };
  });

  describe('the pg adapter runs with the rights of its role', () => {
    it('is refused an RPC as authenticated, with a typed error', async () => {
      let handle: ControlPlaneDb | undefined;
      const controlPlane = await (async () => {
        handle = await openControlPlaneDb('postgres');
        return openPgControlPlane({ connectionString: handle.connectionString!, role: 'authenticated' });
      })();
      try {
        const error = await controlPlane.claimNextRun({ workerId: 'w', kinds: ['x'] }).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(PermissionDeniedError);
        expect((error as PermissionDeniedError).code).toBe('42501');
      } finally {
        await controlPlane.close();
        await handle?.close();
      }
    });
  });
} else {
  describe.skip('pg control plane client (no Postgres server at 127.0.0.1:5432)', () => {
    it('skipped', () => undefined);
  });
}
