import { ruleDocsUrl } from '../../../docs-url.js';
import type { Severity } from '../../../types.js';
import type { MigrationRule, MigrationRuleContext, ParsedMigration, RuleHit } from '../../types.js';
import { withEmbeddedSql } from './embedded.js';

export interface SchemaRuleDefinition {
  id: string;
  defaultSeverity: Severity;
  description: string;
  fixable: boolean;
  aliases?: string[];
  /** Also run on the static statements inside DO blocks (default true). */
  embedded?: boolean;
  check(file: ParsedMigration, ctx: MigrationRuleContext): RuleHit[];
}

/** A migration rule with its registry metadata; DO-block statements are checked too unless opted out. */
export function defineSchemaRule(definition: SchemaRuleDefinition): MigrationRule {
  const rule: MigrationRule = {
    meta: {
      id: definition.id,
      defaultSeverity: definition.defaultSeverity,
      description: definition.description,
      fixable: definition.fixable,
      docsUrl: ruleDocsUrl('schema-safety', definition.id),
      ...(definition.aliases ? { aliases: definition.aliases } : {}),
    },
    check: definition.check,
  };
  return definition.embedded === false ? rule : withEmbeddedSql(rule);
}
