import { describe, it } from '@jest/globals';
import { openServerLintDb, postgresServerReachable } from './helpers/catalog-lint-db.js';
import { describeCatalogLints } from './helpers/catalog-lint-suite.js';

// The same suite on the Postgres server at 127.0.0.1:5432, in a database created for this file.
const reachable = await postgresServerReachable();

if (reachable) {
  describeCatalogLints('catalog lints on the Postgres server', () => openServerLintDb());
} else if (process.env.CI === 'true') {
  describe('catalog lints on the Postgres server', () => {
    it('needs the server at 127.0.0.1:5432 in CI', () => {
      throw new Error('No Postgres server answers at 127.0.0.1:5432 (user postgres); CI must provide one (see .ci/run).');
    });
  });
} else {
  describe.skip('catalog lints on the Postgres server (no server at 127.0.0.1:5432)', () => {
    it('is skipped', () => undefined);
  });
}
