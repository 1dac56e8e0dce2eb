import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { openPgliteControlPlane } from '../app/control-plane/index.js';
import { GENERATED_TYPES_PATH, generateControlPlaneTypes, jsonTypeOf } from '../scripts/generate-control-plane-types.js';
import { openControlPlaneDb } from './helpers/control-plane-db.js';
import { serverAvailable } from './helpers/postgres-server.js';

// app/control-plane/types.generated.ts must be what the generator makes of the migrations today:
// a migration that adds or changes a column without regenerating fails here.
const committed = readFileSync(GENERATED_TYPES_PATH, 'utf8');
const serverUp = await serverAvailable();
const regenerate = 'regenerate with: npx tsx scripts/generate-control-plane-types.ts';

describe('generated control plane row types', () => {
  it('equal the types generated from a fresh PGlite database holding the migrations', async () => {
    const controlPlane = await openPgliteControlPlane({ dataDir: null, seed: false });
    try {
      const generated = await generateControlPlaneTypes(controlPlane.db);
      expect({ file: GENERATED_TYPES_PATH, text: committed, hint: regenerate }).toEqual({ file: GENERATED_TYPES_PATH, text: generated, hint: regenerate });
    } finally {
      await controlPlane.close();
    }
  });

  (serverUp ? it : it.skip)('equal the types generated from the Postgres server', async () => {
    const handle = await openControlPlaneDb('postgres');
    try {
      expect(await generateControlPlaneTypes(handle.db)).toBe(committed);
    } finally {
      await handle.close();
    }
  });

  it('cover every ops table and the table-returning RPCs, with nullability from the catalog', () => {
    for (const table of ['orgs', 'config_versions', 'config_consumers', 'inventory_scans', 'runs', 'artifacts']) {
      expect(committed).toContain(`  ${table}: `);
    }
    expect(committed).toMatch(/export interface RunsRow \{[^}]*\n {2}id: number;[^}]*\n {2}locked_by: string \| null;/);
    expect(committed).toMatch(/export interface PublishConfigVersionResult \{\n {2}version_id: number;\n {2}version: number;\n {2}content_hash: string;\n {2}created: boolean;\n\}/);
    expect(committed).toMatch(/export interface RegisterConsumersResult \{/);
  });

  it('map Postgres types to their JSON form', () => {
    expect(['bigint', 'timestamp with time zone', 'jsonb', 'text[]', 'character varying(255)', 'boolean', 'tsvector'].map(jsonTypeOf)).toEqual([
      'number',
      'string',
      'Json',
      'string[]',
      'string',
      'boolean',
      'unknown',
    ]);
  });
});
