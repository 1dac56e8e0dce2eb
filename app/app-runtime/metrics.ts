import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The App's Prometheus metrics, on a registry of its own (several Apps in one process, as in
 * tests, do not collide): deliveries, queue depth, event and check durations, GitHub API calls and the
 * rate limit left, failures.
 */
export interface AppMetrics {
  registry: Registry;
  deliveries: Counter<'event' | 'result'>;
  queueDepth: Gauge;
  runDuration: Histogram<'event' | 'outcome'>;
  checkDuration: Histogram<'check' | 'conclusion'>;
  githubCalls: Counter<'route'>;
  rateLimitRemaining: Gauge<'installation'>;
  failures: Counter<'stage'>;
}

export function createAppMetrics(options: { defaultMetrics?: boolean; queueDepth?: () => number | Promise<number> } = {}): AppMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'platform_kit_' });
  const depth = options.queueDepth;
  return {
    registry,
    deliveries: new Counter({
      name: 'platform_kit_deliveries_total',
      help: 'Webhook deliveries received, by event and what became of them (accepted, queued-slim, duplicate, superseded, refused).',
      labelNames: ['event', 'result'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'platform_kit_queue_depth',
      help: 'Deliveries waiting for a worker.',
      registers: [registry],
      ...(depth
        ? {
            async collect(this: Gauge) {
              this.set(await depth());
            },
          }
        : {}),
    }),
    runDuration: new Histogram({
      name: 'platform_kit_run_duration_seconds',
      help: 'Time to handle one event (checks, check runs and comment), by event and outcome.',
      labelNames: ['event', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    checkDuration: new Histogram({
      name: 'platform_kit_check_duration_seconds',
      help: 'Time one check took on one change (spec-bundle, schema-safety, ...), by check and conclusion.',
      labelNames: ['check', 'conclusion'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    githubCalls: new Counter({
      name: 'platform_kit_github_api_calls_total',
      help: 'GitHub API requests made while handling events, by route.',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    rateLimitRemaining: new Gauge({
      name: 'platform_kit_github_rate_limit_remaining',
      help: 'x-ratelimit-remaining of the latest GitHub response, per installation.',
      labelNames: ['installation'] as const,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'platform_kit_failures_total',
      help: 'Failures, by stage (enqueue, run, supersede).',
      labelNames: ['stage'] as const,
      registers: [registry],
    }),
  };
}
