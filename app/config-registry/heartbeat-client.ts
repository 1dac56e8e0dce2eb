/**
 * The consumer side of heartbeats, for applications without a database connection: one POST to
 * the `consumer-heartbeat` Edge Function with its token. The answer says whether the consumer runs
 * its rollout target.
 */
import { contentHash } from './canonical.js';
import type { JsonValue } from './json.js';

export interface HeartbeatRequest {
  /** The function's URL, e.g. https://<ref>.supabase.co/functions/v1/consumer-heartbeat. */
  url: string;
  /** CONSUMER_HEARTBEAT_TOKEN. */
  token: string;
  orgId: string;
  artifact: string;
  consumer: string;
  /** The content the consumer applied (hashed here) or its hash. */
  content?: JsonValue;
  contentHash?: string;
  sdkName?: string;
  sdkVersion?: string;
  environment?: 'production' | 'staging' | 'development' | 'preview';
  fetch?: typeof fetch;
}

export interface HeartbeatAnswer {
  consumer: string;
  applied_version: number | null;
  applied_hash: string | null;
  last_seen_at: string;
  target_version: number | null;
  target_hash: string | null;
  in_sync: boolean | null;
}

export class HeartbeatError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HeartbeatError';
  }
}

export async function sendHeartbeat(request: HeartbeatRequest): Promise<HeartbeatAnswer> {
  const hash = request.contentHash ?? (request.content === undefined ? undefined : contentHash(request.content));
  if (!hash) throw new TypeError('sendHeartbeat needs content or contentHash');
  const body: Record<string, string> = { org_id: request.orgId, artifact: request.artifact, consumer: request.consumer, content_hash: hash };
  if (request.sdkName) body.sdk_name = request.sdkName;
  if (request.sdkVersion) body.sdk_version = request.sdkVersion;
  if (request.environment) body.environment = request.environment;
  const response = await (request.fetch ?? fetch)(request.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${request.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let answer: unknown;
  try {
    answer = text ? JSON.parse(text) : undefined;
  } catch {
    answer = undefined;
  }
  if (!response.ok) {
    const error = (answer as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    throw new HeartbeatError(`heartbeat refused (${response.status}): ${error?.message ?? (text.slice(0, 200) || response.statusText)}`, response.status, error?.code, error?.field);
  }
  return answer as HeartbeatAnswer;
}
