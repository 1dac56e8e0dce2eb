import { describe, expect, it } from '@jest/globals';
import { ConnectionError, InvalidArgumentError, PermissionDeniedError } from '../app/control-plane/index.js';
import { openSupabaseControlPlane } from '../app/control-plane/supabase.js';
import { describeControlPlaneClient } from './helpers/control-plane-client-suite.js';
import { openControlPlaneDb } from './helpers/control-plane-db.js';
import { signJwt, startPostgrestLite } from './helpers/postgrest-lite.js';
import { serverAvailable } from './helpers/postgres-server.js';

// The supabase-js adapter, over HTTP, through postgrest-lite (PostgREST's protocol for the calls the
// adapter makes) to a fresh database on the Postgres server, with a service_role JWT as the key.
const serverUp = await serverAvailable();
const JWT_SECRET = 'test-secret-with-at-least-32-characters!!';
const serviceRoleKey = signJwt({ role: 'service_role', iss: 'supabase' }, JWT_SECRET);

async function openHarness(key = serviceRoleKey) {
  const handle = await openControlPlaneDb('postgres');
  const api = await startPostgrestLite({ connectionString: handle.connectionString!, jwtSecret: JWT_SECRET, schemas: ['public', 'ops'] });
  const controlPlane = openSupabaseControlPlane({ url: api.url, serviceRoleKey: key });
  return {
    controlPlane,
    url: api.url,
    admin: handle.db,
    close: async () => {
      await controlPlane.close();
      await api.close();
      await handle.close();
    },
  };
}

if (serverUp) {
  describeControlPlaneClient('supabase-js through postgrest-lite', () => openHarness());

  describe('the supabase-js adapter reports what the API refuses as typed errors', () => {
    it('maps a key with the wrong role, a forged key and an unreachable API', async () => {
      const authenticated = await openHarness(signJwt({ role: 'authenticated', sub: '00000000-0000-4000-8000-000000000001' }, JWT_SECRET));
      try {
        const refused = await authenticated.controlPlane.enqueueRun({ orgId: '00000000-0000-4000-8000-000000000002', kind: 'x' }).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(PermissionDeniedError);
        expect((refused as PermissionDeniedError).code).toBe('42501');
        const forged = openSupabaseControlPlane({ url: authenticated.url, serviceRoleKey: signJwt({ role: 'service_role' }, 'another secret') });
        const unsigned = await forged.claimNextRun({ workerId: 'w', kinds: ['x'] }).catch((error: unknown) => error);
        expect((unsigned as { code?: string }).code).toBe('PGRST301');
        await forged.close();
      } finally {
        await authenticated.close();
      }
      const service = await openHarness();
      try {
        // Bad input still names its field through PostgREST's error body (DETAIL), which has no COLUMN.
        const bad = await service.controlPlane.claimNextRun({ workerId: 'w', kinds: ['Bad Kind'] }).catch((error: unknown) => error);
        expect(bad).toBeInstanceOf(InvalidArgumentError);
        expect((bad as InvalidArgumentError).field).toBe('kinds');
      } finally {
        await service.close();
      }
      const gone = openSupabaseControlPlane({ url: 'http://127.0.0.1:9', serviceRoleKey });
      const unreachable = await gone.claimNextRun({ workerId: 'w', kinds: ['x'] }).catch((error: unknown) => error);
      expect(unreachable).toBeInstanceOf(ConnectionError);
      await gone.close();
    });
  });
} else {
  describe.skip('supabase-js control plane client (no Postgres server at 127.0.0.1:5432)', () => {
    it('skipped', () => undefined);
  });
}
