/**
 * The consumers registry (config/consumers/consumers.json): who applies which artifact, where,
 * how often it reports, and in which rollout ring. Rings are promoted in the order listed, each
 * after its bake time and once its consumers reported the version healthy.
 */
import { z } from 'zod';
import type { ConfigIssue } from './errors.js';
import { pointerOf } from './errors.js';
import type { ParsedJson } from './json.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@/:-]{0,199}$/;
const ARTIFACT = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export const ringSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,49}$/, 'a ring name is lower-case letters, digits and "-"'),
  /** How long the ring runs a version before the next ring may get it. */
  bakeMinutes: z.number().int().min(0).max(10080),
});

export const consumerSchema = z.strictObject({
  id: z.string().regex(NAME, 'a consumer id is letters, digits and . _ @ / : - (at most 200)'),
  kind: z.enum(['web', 'mobile', 'service', 'edge-function', 'worker', 'other']),
  owner: z.string().min(1).max(200),
  environment: z.enum(['production', 'staging', 'development', 'preview']),
  artifacts: z.array(z.string().regex(ARTIFACT, 'an artifact name is lower-case letters, digits, ".", "_" and "-"')).min(1),
  heartbeatIntervalSeconds: z.number().int().min(10).max(86400),
  ring: z.string(),
});

export const consumersRegistrySchema = z.strictObject({
  $schema: z.string().optional(),
  rings: z.array(ringSchema).min(1),
  consumers: z.array(consumerSchema),
});

export type Ring = z.infer<typeof ringSchema>;
export type Consumer = z.infer<typeof consumerSchema>;
export type ConsumersRegistry = z.infer<typeof consumersRegistrySchema>;

function located(parsed: ParsedJson, path: ReadonlyArray<PropertyKey>, message: string): ConfigIssue {
  const pointer = pointerOf(path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)));
  const at = parsed.positions.get(pointer);
  return { file: parsed.file, pointer, line: at?.line, column: at?.column, message };
}

/** Validates the registry; `knownArtifacts`, when given, are the artifacts a consumer may name. */
export function validateConsumers(parsed: ParsedJson, knownArtifacts?: ReadonlySet<string>): { registry?: ConsumersRegistry; issues: ConfigIssue[] } {
  const checked = consumersRegistrySchema.safeParse(parsed.value);
  if (!checked.success) return { issues: checked.error.issues.map((issue) => located(parsed, issue.path, issue.message)) };
  const registry = checked.data;
  const issues: ConfigIssue[] = [];
  const rings = new Set<string>();
  registry.rings.forEach((ring, index) => {
    if (rings.has(ring.name)) issues.push(located(parsed, ['rings', index, 'name'], `duplicate ring ${JSON.stringify(ring.name)}`));
    rings.add(ring.name);
  });
  const ids = new Set<string>();
  registry.consumers.forEach((consumer, index) => {
    if (ids.has(consumer.id)) issues.push(located(parsed, ['consumers', index, 'id'], `duplicate consumer id ${JSON.stringify(consumer.id)}`));
    ids.add(consumer.id);
    if (!rings.has(consumer.ring)) issues.push(located(parsed, ['consumers', index, 'ring'], `ring ${JSON.stringify(consumer.ring)} is not in rings (${[...rings].join(', ')})`));
    consumer.artifacts.forEach((artifact, artifactIndex) => {
      if (knownArtifacts && !knownArtifacts.has(artifact)) {
        issues.push(located(parsed, ['consumers', index, 'artifacts', artifactIndex], `artifact ${JSON.stringify(artifact)} is not published from this repository (${[...knownArtifacts].sort().join(', ')})`));
      }
    });
  });
  return issues.length > 0 ? { issues } : { registry, issues };
}

/** The registry's consumers of one artifact, grouped by ring in ring order. */
export function ringsOf(registry: ConsumersRegistry, artifact: string): Array<{ ring: Ring; consumers: Consumer[] }> {
  return registry.rings.map((ring) => ({ ring, consumers: registry.consumers.filter((consumer) => consumer.ring === ring.name && consumer.artifacts.includes(artifact)) }));
}
