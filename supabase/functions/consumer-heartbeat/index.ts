// POST /functions/v1/consumer-heartbeat: a consumer of a config artifact reports what it runs
// (ops.consumer_heartbeat) and learns its rollout target. A consumer the registry does not know is
// refused with 404, unless the artifact allows self-registration.
//
// Auth: `Authorization: Bearer <CONSUMER_HEARTBEAT_TOKEN>`.
// Body: { org_id, artifact, consumer, content_hash? | version?, sdk_name?, sdk_version?, environment? }
// Answer: { consumer, applied_version, applied_hash, last_seen_at, target_version, target_hash, in_sync }
import { requireBearer } from '../_shared/auth.ts';
import { query } from '../_shared/db.ts';
import { HttpError, json, postHandler, readJsonObject, serve } from '../_shared/http.ts';
import { integer, noOtherFields, oneOf, requiredText, sha256, text, uuid } from '../_shared/validate.ts';

const FIELDS = ['org_id', 'artifact', 'consumer', 'content_hash', 'version', 'sdk_name', 'sdk_version', 'environment'] as const;
const ENVIRONMENTS = ['production', 'staging', 'development', 'preview'] as const;

interface Heartbeat {
  consumer: string;
  applied_version: number | null;
  applied_hash: string | null;
  last_seen_at: string;
  target_version: number | null;
  target_hash: string | null;
  in_sync: boolean | null;
}

export const handler = postHandler('consumer-heartbeat', async (request) => {
  await requireBearer(request, 'CONSUMER_HEARTBEAT_TOKEN');
  const body = await readJsonObject(request);
  noOtherFields(body, FIELDS);
  const input = {
    orgId: uuid(body, 'org_id'),
    artifact: requiredText(body, 'artifact', { max: 100 }),
    consumer: requiredText(body, 'consumer', { max: 200, pattern: /^[A-Za-z0-9][A-Za-z0-9._@/:-]*$/, patternHint: 'letters, digits and . _ @ / : -' }),
    contentHash: sha256(body, 'content_hash'),
    version: integer(body, 'version', 1, 2147483647),
    sdkName: text(body, 'sdk_name', { max: 100 }),
    sdkVersion: text(body, 'sdk_version', { max: 100 }),
    environment: oneOf(body, 'environment', ENVIRONMENTS),
  };
  if (input.contentHash === undefined && input.version === undefined) {
    throw new HttpError(400, 'invalid_argument', 'invalid content_hash: is required (or give version)', 'content_hash');
  }
  // One statement, so the heartbeat and the target it is compared with are one snapshot. The
  // consumer's own active rollout beats the artifact-wide one, as in ops.detect_config_drift.
  const [beat] = await query<Heartbeat>(
    `with beat as (
       select * from ops.consumer_heartbeat(
         p_org_id => $1::uuid, p_artifact => $2, p_consumer => $3, p_content_hash => $4, p_version => $5::integer,
         p_sdk_name => $6, p_sdk_version => $7, p_environment => $8)
     ),
     target as (
       select v.version, v.content_hash
       from beat b
       join ops.config_rollouts r
         on r.org_id = b.org_id and r.artifact_id = b.artifact_id and r.status = 'active' and (r.consumer_id is null or r.consumer_id = b.id)
       join ops.config_versions v on v.org_id = r.org_id and v.id = r.version_id
       order by (r.consumer_id is not null) desc, r.started_at desc, r.id desc
       limit 1
     )
     select b.name as consumer, av.version as applied_version, b.applied_hash,
            to_json(b.last_seen_at) #>> '{}' as last_seen_at,
            t.version as target_version, t.content_hash as target_hash,
            case when t.content_hash is null then null else b.applied_hash is not distinct from t.content_hash end as in_sync
     from beat b
     left join ops.config_versions av on av.org_id = b.org_id and av.id = b.applied_version_id
     left join target t on true`,
    [
      input.orgId,
      input.artifact,
      input.consumer,
      input.contentHash ?? null,
      input.version ?? null,
      input.sdkName ?? null,
      input.sdkVersion ?? null,
      input.environment ?? null,
    ],
  );
  return json(200, beat);
});

if (import.meta.main) serve(handler);
