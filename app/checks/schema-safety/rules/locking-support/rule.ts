import { ruleDocsUrl } from '../../../docs-url.js';
import type { RuleMeta, Severity } from '../../../types.js';
import { charOffsetOf } from '../../sql/parse.js';
import type { MigrationRule, MigrationRuleContext, ParsedMigration, RuleHit, SqlStatement } from '../../types.js';

const CHECK_ID = 'schema-safety';

export function defineRule(
  meta: { id: string; defaultSeverity: Severity; description: string; fixable: boolean },
  check: (file: ParsedMigration, ctx: MigrationRuleContext) => RuleHit[],
): MigrationRule {
  const full: RuleMeta = { ...meta, docsUrl: ruleDocsUrl(CHECK_ID, meta.id) };
  return { meta: full, check };
}

const converters = new WeakMap<ParsedMigration, (byteOffset: number) => number>();

/** A hit at an AST node: libpg-query locations are UTF-8 byte offsets into the file. */
export function at(file: ParsedMigration, byteLocation: number | undefined): number | undefined {
  if (byteLocation === undefined || byteLocation < 0) return undefined;
  let convert = converters.get(file);
  if (!convert) {
    // eslint-disable-next-line no-control-regex
    const ascii = /^[\x00-\x7f]*$/.test(file.text);
    convert = ascii ? (byteOffset) => byteOffset : (byteOffset) => charOffsetOf(file.text, byteOffset);
    converters.set(file, convert);
  }
  return convert(byteLocation);
}

export type HitFields = Omit<RuleHit, 'statement' | 'location'> & { byteLocation?: number };

export function hitAt(file: ParsedMigration, statement: SqlStatement, fields: HitFields): RuleHit {
  const { byteLocation, ...rest } = fields;
  const location = at(file, byteLocation);
  return location === undefined ? { statement, ...rest } : { statement, location, ...rest };
}
