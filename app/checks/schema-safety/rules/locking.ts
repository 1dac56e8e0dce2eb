import type { MigrationRule } from '../types.js';

/** Rules about locks, rewrites and transactions (squawk's ids where the meaning is the same). */
export const lockingRules: MigrationRule[] = [];
