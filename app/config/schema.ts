import { z } from 'zod';
import { boundedGlob } from './bounded-patterns.js';
import { diagramsOptions } from '../checks/diagrams/options.js';
import { docSyncOptions } from '../checks/doc-sync/options.js';
import { schemaSafetyOptions } from '../checks/schema-safety/options.js';
import { specBundleOptions } from '../checks/spec-bundle/options.js';

export const severitySetting = z.enum(['off', 'notice', 'warning', 'error']);

const pathsSchema = z
  .strictObject({
    /** Globs (picomatch, `**` crosses folders) a check looks at; default everything. */
    include: z.array(boundedGlob).default(['**']),
    /** Globs a check ignores, applied after `include`. */
    exclude: z.array(boundedGlob).default([]),
  })
  .prefault({});

const checkBase = {
  enabled: z.boolean().default(true),
  paths: pathsSchema,
  /** Per-rule severity overrides keyed by rule id (without the check prefix). */
  rules: z.record(z.string(), severitySetting).default({}),
};

/** A check's config: the common keys plus its own options, all optional with defaults. */
function checkConfig<Shape extends z.ZodRawShape>(options: Shape) {
  // Every key has a default, so `{}` is a valid input; TypeScript cannot see that through the generic shape.
  return z.strictObject({ ...checkBase, ...options }).prefault({} as never);
}

export const configSchema = z
  .strictObject({
    /** Another config this file builds on: `repo`, `owner/repo`, `repo:path.yml` or `owner/repo:path.yml`. */
    _extends: z.string().min(1).optional(),
    pullRequests: z
      .strictObject({
        /** Whether draft PRs are checked (`check`) or left alone until ready for review (`skip`). */
        drafts: z.enum(['check', 'skip']).default('check'),
        /** Whether the App keeps one sticky summary comment on the PR. */
        comment: z.boolean().default(true),
        /** Whether fixes that rewrite lines of the diff are posted as GitHub suggested changes (one review per event, new ones only). */
        suggestions: z.boolean().default(true),
      })
      .prefault({}),
    /** Commits the App may add to a pull request's branch: never on pull requests from forks, at most one per head commit. */
    autofix: z
      .strictObject({
        /** Regenerated PNG exports when the diagrams check finds exports out of date with their changed source. */
        diagrams: z.boolean().default(false),
      })
      .prefault({}),
    checks: z
      .strictObject({
        'spec-bundle': checkConfig(specBundleOptions),
        'schema-safety': checkConfig(schemaSafetyOptions),
        // Opt-in: rendering needs Chromium, which most repositories' CI does not have installed.
        diagrams: checkConfig({ ...diagramsOptions, enabled: z.boolean().default(false) }),
        'doc-sync': checkConfig(docSyncOptions),
      })
      .prefault({}),
  })
  .prefault({});

export type PlatformKitConfig = Omit<z.infer<typeof configSchema>, '_extends'>;
export type CheckConfig = {
  enabled: boolean;
  paths: { include: string[]; exclude: string[] };
  rules: Record<string, z.infer<typeof severitySetting>>;
};
export type CheckId = keyof PlatformKitConfig['checks'];

export const defaultConfig: PlatformKitConfig = stripExtends(configSchema.parse(undefined));

export function stripExtends(config: z.infer<typeof configSchema>): PlatformKitConfig {
  const { _extends: _ignored, ...rest } = config;
  return rest;
}
