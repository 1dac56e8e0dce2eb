import { z } from 'zod';
import { boundedRegex } from '../config/bounded-patterns.js';
import { parseYaml, zodIssueToError, type ConfigError } from '../config/yaml-errors.js';
import type { OrgReadmeOptions } from './model.js';

/** The org README's own settings file (YAML or JSON): categories, collapsing, archived repositories. */
export const orgReadmeOptionsSchema = z
  .object({
    categories: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9-]+$/, 'a category id is lower case letters, digits and dashes'),
            title: z.string().min(1),
            topics: z.array(z.string().min(1)).default([]),
            namePattern: boundedRegex.optional(),
          })
          .strict(),
      )
      .optional(),
    includeArchived: z.boolean().optional(),
    collapseAfter: z.number().int().min(0).optional(),
    descriptionLength: z.number().int().min(10).max(1000).optional(),
  })
  .strict();

export class OrgReadmeOptionsError extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(errors.map((error) => `${error.file}:${error.line ?? 1}:${error.column ?? 1}: ${error.message}`).join('\n'));
  }
}

export function parseOrgReadmeOptions(text: string, file: string): OrgReadmeOptions {
  const parsed = parseYaml(text, file);
  if (parsed.errors.length > 0) throw new OrgReadmeOptionsError(parsed.errors);
  const result = orgReadmeOptionsSchema.safeParse(parsed.value ?? {});
  if (!result.success) throw new OrgReadmeOptionsError(result.error.issues.flatMap((issue) => zodIssueToError(issue, parsed, file)));
  const options = result.data;
  for (const [index, category] of (options.categories ?? []).entries()) {
    if (!category.namePattern) continue;
    try {
      new RegExp(category.namePattern);
    } catch (error) {
      const [located] = zodIssueToError({ code: 'custom', path: ['categories', index, 'namePattern'], message: '', input: category.namePattern }, parsed, file);
      throw new OrgReadmeOptionsError([{ ...(located ?? { file }), message: `not a regular expression: ${(error as Error).message}` }]);
    }
  }
  return options as OrgReadmeOptions;
}
