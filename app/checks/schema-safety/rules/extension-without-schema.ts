import { nodeBody, stringValue } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { editsToHit, findIdentifier, findKeywords, tokensOf, type TextEdit } from './schema-support/text.js';

/** Extensions that choose their own schema (their control file pins it, or they create one): WITH SCHEMA does not apply. */
const OWN_SCHEMA = new Set(['plpgsql', 'pg_graphql', 'pg_cron', 'pgsodium', 'supabase_vault', 'pg_tle', 'pg_net', 'pgmq', 'timescaledb']);

export const rule = defineSchemaRule({
  id: 'extension-without-schema',
  defaultSeverity: 'warning',
  description: '`CREATE EXTENSION` without `WITH SCHEMA` (or into an API-exposed schema): its functions, types and tables land in `public`, behind the Data API.',
  fixable: true,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const create = nodeBody<{ extname?: string; options?: unknown[] }>(statement.node, 'CreateExtensionStmt');
      if (!create?.extname || OWN_SCHEMA.has(create.extname)) continue;
      const schemaOption = (create.options ?? []).map((option) => nodeBody<{ defname?: string; arg?: unknown }>(option, 'DefElem')).find((option) => option?.defname === 'schema');
      const schema = stringValue(schemaOption?.arg);
      if (schema !== undefined && !ctx.exposedSchemas.includes(schema)) continue;
      const tokens = tokensOf(statement);
      const keyword = findKeywords(tokens, ['extension']);
      const nameIndex = findIdentifier(tokens, create.extname, keyword + 1);
      const name = tokens[nameIndex];
      const edits: TextEdit[] = [];
      let location = name?.start;
      if (schema === undefined) {
        if (name) edits.push({ start: name.end, end: name.end, text: ' with schema extensions' });
      } else {
        const schemaToken = tokens[findIdentifier(tokens, schema, findKeywords(tokens, ['schema']) + 1)];
        if (schemaToken) {
          edits.push({ start: schemaToken.start, end: schemaToken.end, text: 'extensions' });
          location = schemaToken.start;
        }
      }
      hits.push({
        statement,
        location,
        title: schema === undefined ? 'Extension without a schema' : 'Extension in an exposed schema',
        message:
          (schema === undefined
            ? `\`${create.extname}\` is installed into the first schema of the search_path, \`public\` on Supabase`
            : `\`${create.extname}\` is installed into \`${schema}\``) +
          ', which the Data API exposes: its functions become callable RPC endpoints, its tables and views readable resources, and its objects clutter generated types. ' +
          'Install it into the `extensions` schema: `with schema extensions` (moving it later takes `alter extension ... set schema`, and objects that reference its functions by schema break).',
        ...editsToHit(file, statement, edits, 'Install into schema `extensions`'),
      });
    }
    return hits;
  },
});
