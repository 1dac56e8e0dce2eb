import { openPgliteLintDb } from './helpers/catalog-lint-db.js';
import { describeCatalogLints } from './helpers/catalog-lint-suite.js';

// One PGlite per file. PGlite ships no pg_graphql, pgmq or foreign data wrapper with tables to
// query: the scenarios create the catalog objects those lints read (a graphql.resolve stand-in,
// a pgmq schema with q_ tables, a handler-less wrapper), so the SQL runs and fires for real.
describeCatalogLints('catalog lints on PGlite', () => openPgliteLintDb());
