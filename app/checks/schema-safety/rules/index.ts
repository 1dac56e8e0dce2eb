import type { MigrationRule } from '../types.js';
import { lockingRules } from './locking.js';
import { schemaRules } from './schema.js';

/** Every static migration rule, in report order. */
export const migrationRules: MigrationRule[] = [...lockingRules, ...schemaRules];
