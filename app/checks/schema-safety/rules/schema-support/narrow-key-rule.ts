import type { MigrationRule } from '../../types.js';
import { IDENTITY } from '../prefer-identity.js';
import { CATALOG_PREFIX, matchTypeText } from './column-types.js';
import { defineSchemaRule } from './define.js';
import { checkColumnTypes, type TypeRuleReport } from './type-rule.js';

/** One integer width: its catalog name, how it is spelled, and its serial pseudo-type. */
export interface NarrowInteger {
  /** Catalog type name the parser reports (`int4`). */
  type: string;
  /** Spellings of the type, for finding it in the text (`integer|int4|int`). */
  spellings: string;
  /** How the message writes it (`int`). */
  written: string;
  /** Catalog names of the serial pseudo-type (`serial`, `serial4`). */
  serialTypes: string[];
  serialSpellings: string;
  serialWritten: string;
}

export interface NarrowKeyRuleDefinition {
  id: string;
  description: string;
  integer: NarrowInteger;
  report: TypeRuleReport;
}

/** A key column (primary, foreign, identity or `*_id`) of an integer type narrower than bigint; the fix widens it. */
export function defineNarrowKeyRule(definition: NarrowKeyRuleDefinition): MigrationRule {
  const { integer } = definition;
  const plain = new RegExp(String.raw`${CATALOG_PREFIX}"?(?:${integer.spellings})"?\b`, 'i');
  const serialPattern = new RegExp(String.raw`${CATALOG_PREFIX}"?(?:${integer.serialSpellings})"?\b`, 'i');
  return defineSchemaRule({
    id: definition.id,
    defaultSeverity: 'notice',
    description: definition.description,
    fixable: true,
    check: (file, ctx) =>
      checkColumnTypes(
        file,
        ctx,
        (use) => {
          const serial = integer.serialTypes.includes(use.type);
          if (!(use.type === integer.type || serial) || !use.keyLike) return undefined;
          if (serial && use.context === 'alter-type') return undefined;
          const match = matchTypeText(file, use, serial ? serialPattern : plain);
          return {
            use,
            written: `\`${use.column} ${serial ? integer.serialWritten : integer.written}\``,
            edit: match ? { start: use.typeStart, end: use.typeStart + match[0].length, text: serial ? IDENTITY : 'bigint' } : undefined,
          };
        },
        definition.report,
      ),
  });
}
