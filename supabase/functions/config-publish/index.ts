// POST /functions/v1/config-publish: publishes a config artifact's content as its next immutable
// version (ops.publish_config_version). Idempotent: the same content as the latest version answers
// 200 with that version (`created: false`); new content answers 201.
//
// Auth: `Authorization: Bearer <CONFIG_PUBLISH_TOKEN>`.
// Body: { org_id, artifact, content, content_hash?, kind?, source_ref?, published_by?, rollout?, grace_seconds? }
import { requireBearer } from '../_shared/auth.ts';
import { query } from '../_shared/db.ts';
import { json, postHandler, readJsonObject, serve } from '../_shared/http.ts';
import { boolean, document, integer, noOtherFields, oneOf, requiredText, sha256, text, uuid } from '../_shared/validate.ts';

const FIELDS = ['org_id', 'artifact', 'content', 'content_hash', 'kind', 'source_ref', 'published_by', 'rollout', 'grace_seconds'] as const;
const KINDS = ['tokens', 'consumers', 'flags', 'policy', 'other'] as const;

interface Published {
  version_id: number;
  version: number;
  content_hash: string;
  created: boolean;
}

export const handler = postHandler('config-publish', async (request) => {
  await requireBearer(request, 'CONFIG_PUBLISH_TOKEN');
  const body = await readJsonObject(request);
  noOtherFields(body, FIELDS);
  const input = {
    orgId: uuid(body, 'org_id'),
    artifact: requiredText(body, 'artifact', { max: 100, pattern: /^[a-z0-9][a-z0-9._-]*$/, patternHint: 'lower-case letters, digits, ".", "_" and "-"' }),
    content: document(body, 'content'),
    contentHash: sha256(body, 'content_hash'),
    kind: oneOf(body, 'kind', KINDS),
    sourceRef: text(body, 'source_ref'),
    publishedBy: text(body, 'published_by'),
    rollout: boolean(body, 'rollout'),
    graceSeconds: integer(body, 'grace_seconds', 0, 604800),
  };
  const [published] = await query<Published>(
    `select version_id::float8 as version_id, version, content_hash, created
     from ops.publish_config_version(
       p_org_id => $1::uuid, p_artifact => $2, p_content => $3::jsonb, p_content_hash => $4, p_kind => $5,
       p_source_ref => $6, p_published_by => $7, p_rollout => coalesce($8::boolean, true), p_grace_seconds => $9::integer)`,
    [
      input.orgId,
      input.artifact,
      JSON.stringify(input.content),
      input.contentHash ?? null,
      input.kind ?? null,
      input.sourceRef ?? null,
      input.publishedBy ?? null,
      input.rollout ?? null,
      input.graceSeconds ?? null,
    ],
  );
  return json(published!.created ? 201 : 200, published);
});

if (import.meta.main) serve(handler);
