import { describe, it } from '@jest/globals';
import { openServerLintDb } from './helpers/catalog-lint-db.js';
import { describeCatalogLints } from './helpers/catalog-lint-suite.js';
import { serverAvailable } from './helpers/postgres-server.js';

// The same suite on the Postgres server at 127.0.0.1:5432, in a database created for this file.
const reachable = await serverAvailable();

if (reachable) {
  describeCatalogLints('catalog lints on the Postgres server', () => openServerLintDb());
} else {
  describe.skip('catalog lints on the Postgres server (no server at 127.0.0.1:5432)', () => {
    it('is skipped', () => undefined);
  });
}
