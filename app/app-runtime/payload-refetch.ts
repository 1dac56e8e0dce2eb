import { isDeepStrictEqual } from 'node:util';
import type { GitHubClient } from '../github/client.js';

/**
 * Webhook payloads too large for a run: the control plane refuses run payloads over 256 KiB
 * (ops.enqueue_run, measured as jsonb text), and GitHub sends up to 25 MB (a push of commits that
 * touch thousands of files, a pull request with a long body in a multi-byte script). Such a
 * delivery is queued slim, with only what identifies and settles its work, and the worker fetches
 * the full payload back from GitHub's record of the App's webhook deliveries.
 */

/** Above this many bytes of jsonb text a payload is queued slim: the limit is 256 KiB, and numbers may print longer in jsonb. */
export const SLIM_ABOVE_BYTES = 192 * 1024;

export const REFETCH_VIA = 'app-hook-delivery';

/** The marker a slim payload carries: where the full payload is, and how large it was. */
export interface RefetchMarker {
  via: typeof REFETCH_VIA;
  bytes: number;
}

type Json = Record<string, unknown>;

/** `true`: keep the field when it is a string, number, boolean or null; an object: keep those of its fields. */
interface FieldShape {
  [field: string]: true | FieldShape;
}

/**
 * What a slim payload keeps: enough to identify the commit and the check runs the delivery writes
 * (checkedCommit in app-workers.ts), so a run that never gets its full payload back can still be
 * settled, and enough to see in the queue what the run is about.
 */
const SLIM_SHAPE: FieldShape = {
  action: true,
  number: true,
  ref: true,
  before: true,
  after: true,
  installation: { id: true },
  repository: { id: true, name: true, full_name: true, owner: { login: true } },
  pull_request: {
    number: true,
    head: { sha: true, ref: true, repo: { full_name: true } },
    base: { sha: true, ref: true },
  },
  check_run: { id: true, head_sha: true },
  check_suite: { id: true, head_sha: true },
  sender: { login: true },
};

function pick(source: Json, shape: FieldShape): Json {
  const kept: Json = {};
  for (const [field, nested] of Object.entries(shape)) {
    if (!Object.hasOwn(source, field)) continue;
    const value = source[field];
    if (nested === true) {
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) kept[field] = value;
    } else if (value === null) {
      // A pull request's head.repo is null once its fork is deleted: null says more than absent.
      kept[field] = null;
    } else if (typeof value === 'object' && !Array.isArray(value)) {
      kept[field] = pick(value as Json, nested);
    }
  }
  return kept;
}

/** The slim stand-in for a payload of `bytes` bytes: its identifying fields and the refetch marker. */
export function slimPayload(payload: Json, bytes: number): Json {
  const marker: RefetchMarker = { via: REFETCH_VIA, bytes };
  return { ...pick(payload, SLIM_SHAPE), refetch: marker };
}

export function refetchMarker(payload: Json): RefetchMarker | undefined {
  const marker = payload.refetch as Partial<RefetchMarker> | undefined;
  return marker?.via === REFETCH_VIA ? { via: REFETCH_VIA, bytes: Number(marker.bytes ?? 0) } : undefined;
}

/**
 * The size of a JSON value as Postgres measures it, octet_length(jsonb::text): compact JSON plus
 * the space jsonb prints after every `:` and `,`. Numbers may print differently (1e3 as 1000),
 * which SLIM_ABOVE_BYTES leaves room for.
 */
export function jsonbTextBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') + separators(value);
}

function separators(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + separators(item), Math.max(0, value.length - 1));
  if (value === null || typeof value !== 'object') return 0;
  const fields = Object.values(value as Json).filter((item) => item !== undefined);
  return fields.reduce<number>((sum, item) => sum + separators(item), fields.length + Math.max(0, fields.length - 1));
}

export class DeliveryNotRefetchedError extends Error {
  override readonly name = 'DeliveryNotRefetchedError';
}

export interface RefetchOptions {
  /** Authenticated as the App (a JWT: `probot.auth()` without an installation id): GitHub lists deliveries only to the App itself. */
  octokit: GitHubClient;
  /** The X-GitHub-Delivery id, which GitHub lists as the delivery's `guid`. */
  deliveryId: string;
  /** The event name the delivery was queued under (`pull_request`). */
  event: string;
  /** The slim payload queued for it: the full payload must slim down to the same fields. */
  slim: Json;
  /** When the run was queued: GitHub lists deliveries newest first, so paging stops past this (less a margin for clock skew). */
  queuedAt: Date;
  /** Pages of 100 deliveries to look through at most (default 20). */
  maxPages?: number;
  /**
   * How old the run must be before the list is read (default 3 s): GitHub records a delivery with
   * the App's response, so a worker that claims the run at once could look before it is listed.
   */
  listingDelayMs?: number;
}

export interface RefetchedDelivery {
  payload: Json;
  /** Pages of the delivery list read to find it. */
  pages: number;
}

const PER_PAGE = 100;
const DEFAULT_MAX_PAGES = 20;
const DEFAULT_LISTING_DELAY_MS = 3_000;
/** How much older than its run a delivery may be listed: GitHub's clock and the database's differ a little. */
const CLOCK_SKEW_MS = 10 * 60_000;

/**
 * The full payload of a delivery queued slim, from GET /app/hook/deliveries (newest first, paged by
 * the `cursor` of its Link header) and GET /app/hook/deliveries/{delivery_id}. Looks back to shortly
 * before the run was queued, and at most `maxPages` pages: a delivery not found there (GitHub has
 * not listed it yet, or it is past its retention) fails the attempt, which the queue retries.
 */
export async function refetchDeliveryPayload(options: RefetchOptions): Promise<RefetchedDelivery> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const oldestWorthListing = options.queuedAt.getTime() - CLOCK_SKEW_MS;
  const notFound = (why: string) =>
    new DeliveryNotRefetchedError(`webhook delivery ${options.deliveryId} was queued without its payload (too large for the queue), and GitHub's list of the App's deliveries does not have it: ${why}`);
  const wait = options.queuedAt.getTime() + (options.listingDelayMs ?? DEFAULT_LISTING_DELAY_MS) - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  let cursor: string | undefined;
  for (let page = 1; page <= maxPages; page++) {
    const response = await options.octokit.request('GET /app/hook/deliveries', { per_page: PER_PAGE, ...(cursor !== undefined ? { cursor } : {}) });
    // A redelivery shares the guid and carries the same payload; the newest is as good as any.
    const listed = response.data.find((delivery) => delivery.guid === options.deliveryId);
    if (listed) return { payload: await fetchPayload(options, Number(listed.id)), pages: page };
    cursor = nextCursor(response.headers.link);
    if (cursor === undefined) throw notFound(`not among the ${page} page(s) GitHub lists`);
    const oldest = response.data.at(-1)?.delivered_at;
    if (oldest !== undefined && Date.parse(oldest) < oldestWorthListing) {
      throw notFound(`not among the deliveries listed back to ${oldest} (${page} page(s)), before the run was queued at ${options.queuedAt.toISOString()}`);
    }
  }
  throw notFound(`not among the ${maxPages * PER_PAGE} newest deliveries (${maxPages} pages)`);
}

async function fetchPayload(options: RefetchOptions, id: number): Promise<Json> {
  const { data } = await options.octokit.request('GET /app/hook/deliveries/{delivery_id}', { delivery_id: id });
  const payload = data.request.payload;
  if (data.event !== options.event) {
    throw new DeliveryNotRefetchedError(`webhook delivery ${options.deliveryId} (id ${id}) is a ${data.event} event, but was queued as ${options.event}`);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new DeliveryNotRefetchedError(`GitHub keeps no payload for webhook delivery ${options.deliveryId} (id ${id})`);
  }
  const { refetch: _marker, ...expected } = options.slim;
  const { refetch: _none, ...found } = slimPayload(payload, 0);
  // Key order aside (jsonb sorts keys), the same fields with the same values.
  if (!isDeepStrictEqual(found, expected)) {
    throw new DeliveryNotRefetchedError(`the payload GitHub keeps for webhook delivery ${options.deliveryId} (id ${id}) does not match the one queued`);
  }
  return payload;
}

/** The `cursor` of the `rel="next"` link, if GitHub gave one. */
function nextCursor(link: string | undefined): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (match?.[1]) return new URL(match[1]).searchParams.get('cursor') ?? undefined;
  }
  return undefined;
}
