import { stringValue, walk } from '../sql/ast.js';
import type { RuleHit } from '../types.js';
import { defineSchemaRule } from './schema-support/define.js';
import { policyOf } from './schema-support/policies.js';
import { charOffset } from './schema-support/text.js';

/** Where an expression reads user metadata: `auth.jwt() -> 'user_metadata'`, `raw_user_meta_data`, `'{user_metadata,role}'` paths. */
function metadataReads(expression: unknown): number[] {
  const locations: number[] = [];
  walk(expression, (kind, body) => {
    if (kind === 'A_Const') {
      const text = (body.sval as { sval?: string } | undefined)?.sval;
      if (text !== undefined && /\buser_metadata\b/.test(text) && typeof body.location === 'number') locations.push(body.location);
    } else if (kind === 'ColumnRef') {
      const fields = ((body.fields as unknown[] | undefined) ?? []).map((field) => stringValue(field));
      if (fields.some((field) => field === 'raw_user_meta_data' || field === 'user_metadata') && typeof body.location === 'number') locations.push(body.location);
    }
  });
  return locations;
}

export const rule = defineSchemaRule({
  id: 'policy-user-metadata',
  defaultSeverity: 'error',
  description: 'An RLS policy reads `user_metadata` (`raw_user_meta_data`), which every signed-in user can change for themselves.',
  fixable: false,
  check(file, ctx) {
    const hits: RuleHit[] = [];
    for (const statement of file.statements) {
      const policy = policyOf(file, ctx, statement);
      if (!policy) continue;
      const reads = [...metadataReads(policy.qual), ...metadataReads(policy.withCheck)].sort((a, b) => a - b);
      const first = reads[0];
      if (first === undefined) continue;
      hits.push({
        statement,
        location: charOffset(file, first),
        title: 'Policy trusts user metadata',
        message:
          `${policy.label} decides access from \`user_metadata\`, which users edit themselves (\`supabase.auth.updateUser({ data: { role: 'admin' } })\`), so anyone can grant themselves what this policy protects. ` +
          "Keep authorization data in `app_metadata` (`auth.jwt() -> 'app_metadata'`, settable only with the service role) or in a table the user cannot write.",
      });
    }
    return hits;
  },
});
