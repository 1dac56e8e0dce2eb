import { createHash } from 'node:crypto';
import pg from 'pg';
import { isPostgresServerReachable } from '../app/checks/schema-safety/shadow/index.js';
import { canonicalJson, contentHash, parseStrictJson, validateTokens, type JsonValue } from '../app/config-registry/index.js';
import { openPgControlPlane } from '../app/control-plane/index.js';
import { openControlPlaneDb } from '../test/helpers/control-plane-db.js';

/**
 * The config registry's two hot paths.
 *
 * benchConfigTokens: a generated 5 MB design tokens file (colors, dimensions, typography, shadows
 * and aliases, in nested groups) read by the strict reader, validated and resolved, canonicalised
 * and hashed. The peer is what a lax publisher would do: JSON.parse, JSON.stringify, SHA-256.
 *
 * benchConfigHeartbeats: consumers reporting to the control plane on the Postgres server at 1,000
 * heartbeats a second for 30 s (CONFIG_BENCH_SECONDS to change it), paced in 100 ms ticks, through
 * the pg adapter. Afterwards the heartbeats are counted back from the database (updates of
 * ops.config_consumers in pg_stat_user_tables, flushed when the pool's sessions end) and compared
 * with the number sent: none may be lost.
 */

const TARGET_BYTES = 5 * 1024 * 1024;
const ROUNDS = 3;

export function generateTokens(targetBytes = TARGET_BYTES): string {
  const root: Record<string, JsonValue> = {};
  let index = 0;
  let size = 0;
  while (size < targetBytes) {
    const group: Record<string, JsonValue> = { $type: 'color' };
    const dims: Record<string, JsonValue> = { $type: 'dimension' };
    for (let item = 0; item < 50; item++, index++) {
      const hex = `#${(index * 2654435761 % 0xffffff).toString(16).padStart(6, '0')}`;
      group[`c${item}`] = { $value: hex, $description: `Colour ${index} of the generated palette` };
      dims[`d${item}`] = { $value: `${(index % 64) + 1}px` };
    }
    group.alias = { $value: `{palette_${root ? Object.keys(root).length : 0}.colors.c0}` };
    const name = `palette_${Object.keys(root).length}`;
    root[name] = {
      colors: group,
      space: dims,
      text: {
        $type: 'typography',
        body: { $value: { fontFamily: ['Inter', 'sans-serif'], fontSize: `{${name}.space.d3}`, fontWeight: 400, letterSpacing: '0px', lineHeight: 1.5 } },
      },
      elevation: { $type: 'shadow', card: { $value: { color: `{${name}.colors.c1}`, offsetX: '0px', offsetY: '2px', blur: '4px', spread: '0px' } } },
    };
    size += 50 * 120 + 600;
  }
  let text = JSON.stringify(root, null, 2);
  // The size estimate is rough: trim palettes until the file is just over the target.
  while (Buffer.byteLength(text) > targetBytes * 1.05) {
    const keys = Object.keys(root);
    delete root[keys[keys.length - 1] as string];
    text = JSON.stringify(root, null, 2);
  }
  return text;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}

export function benchConfigTokens() {
  const text = generateTokens();
  const ours = { read: [] as number[], validate: [] as number[], canonicalHash: [] as number[], total: [] as number[] };
  const peer: number[] = [];
  let tokens = 0;
  let hash = '';
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    const parsed = parseStrictJson('tokens.json', text);
    const t1 = performance.now();
    const result = validateTokens(parsed);
    const t2 = performance.now();
    hash = contentHash(parsed.value);
    const t3 = performance.now();
    if (result.issues.length > 0) throw new Error(`generated tokens are invalid: ${result.issues[0]?.message}`);
    tokens = result.tokens.size;
    ours.read.push(t1 - t0);
    ours.validate.push(t2 - t1);
    ours.canonicalHash.push(t3 - t2);
    ours.total.push(t3 - t0);

    const p0 = performance.now();
    createHash('sha256').update(JSON.stringify(JSON.parse(text))).digest('hex');
    peer.push(performance.now() - p0);
  }
  return {
    file: `${(Buffer.byteLength(text) / (1024 * 1024)).toFixed(2)} MB, ${tokens} tokens`,
    canonicalBytes: Buffer.byteLength(canonicalJson(parseStrictJson('tokens.json', text).value)),
    hash,
    medianMs: {
      strictRead: Math.round(median(ours.read)),
      validateAndResolve: Math.round(median(ours.validate)),
      canonicaliseAndHash: Math.round(median(ours.canonicalHash)),
      total: Math.round(median(ours.total)),
      peerJsonParseStringifySha256: Math.round(median(peer)),
    },
  };
}

const CONSUMERS = 200;
const RATE = 1000;
const TICK_MS = 100;

export async function benchConfigHeartbeats() {
  if (!(await isPostgresServerReachable())) return 'skipped: no Postgres server at 127.0.0.1:5432';
  const seconds = Number(process.env.CONFIG_BENCH_SECONDS ?? 30);
  const handle = await openControlPlaneDb('postgres');
  const connectionString = handle.connectionString as string;
  const controlPlane = openPgControlPlane({ connectionString, role: 'service_role', max: 16 });
  try {
    const { org_id: orgId } = await controlPlane.ensureProject({ orgSlug: 'bench', projectSlug: 'config', provider: 'github' });
    const names = Array.from({ length: CONSUMERS }, (_, index) => `app-${index}@production`);
    await controlPlane.registerConsumers({ orgId, artifact: 'tokens', kind: 'tokens', consumers: names.map((name) => ({ name, environment: 'production' })) });
    const content = JSON.parse(generateTokens(16 * 1024)) as JsonValue;
    const hash = contentHash(content);
    await controlPlane.publishConfigVersion({ orgId, artifact: 'tokens', content: content as never, contentHash: hash, kind: 'tokens' });

    const counter = new pg.Client({ connectionString });
    await counter.connect();
    const updates = async () => {
      await counter.query('select pg_stat_clear_snapshot()');
      const { rows } = await counter.query<{ n: string }>(`select n_tup_upd::text as n from pg_stat_user_tables where schemaname = 'ops' and relname = 'config_consumers'`);
      return Number(rows[0]?.n ?? 0);
    };
    const before = await updates();

    const total = RATE * seconds;
    const perTick = (RATE * TICK_MS) / 1000;
    let sent = 0;
    let acknowledged = 0;
    let failed = 0;
    const latencies: number[] = [];
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    let maxLagMs = 0;
    for (let tick = 0; sent < total; tick++) {
      const due = started + tick * TICK_MS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else maxLagMs = Math.max(maxLagMs, -wait);
      for (let index = 0; index < perTick && sent < total; index++, sent++) {
        const consumer = names[sent % CONSUMERS] as string;
        const at = performance.now();
        const call: Promise<void> = controlPlane
          .consumerHeartbeat({ orgId, artifact: 'tokens', consumer, contentHash: hash })
          .then(
            () => {
              acknowledged += 1;
              latencies.push(performance.now() - at);
            },
            () => {
              failed += 1;
            },
          )
          .finally(() => inFlight.delete(call));
        inFlight.add(call);
      }
    }
    await Promise.all(inFlight);
    const elapsed = (performance.now() - started) / 1000;
    // Ending the sessions flushes their statistics.
    await controlPlane.close();
    let counted = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      counted = (await updates()) - before;
      if (counted >= acknowledged) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await counter.end();
    const sorted = latencies.sort((a, b) => a - b);
    const result = {
      target: `${RATE}/s for ${seconds} s (${total} heartbeats, ${CONSUMERS} consumers)`,
      sent,
      acknowledged,
      failed,
      countedBack: counted,
      lost: sent - counted,
      achievedPerSecond: Math.round(acknowledged / elapsed),
      maxSchedulerLagMs: Math.round(maxLagMs),
      latencyMs: { p50: Math.round(sorted[Math.floor(sorted.length * 0.5)] ?? 0), p99: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0) },
    };
    if (failed > 0 || counted !== sent) throw new Error(`heartbeats lost: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await controlPlane.close().catch(() => undefined);
    await handle.close();
  }
}
