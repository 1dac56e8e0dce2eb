import type { MigrationRule } from '../types.js';

/** Rules about destructive changes, types, naming and Supabase access (squawk's ids where the meaning is the same). */
export const schemaRules: MigrationRule[] = [];
