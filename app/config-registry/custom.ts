/**
 * Custom artifacts: any JSON document, validated against a JSON Schema (draft 2020-12 or 07, by
 * ajv) or a zod schema exported as `schema` from a module.
 */
import { pathToFileURL } from 'node:url';
import type { ZodType } from 'zod';
import type { ConfigIssue } from './errors.js';
import type { JsonValue, ParsedJson } from './json.js';

function located(parsed: ParsedJson, pointer: string, message: string): ConfigIssue {
  const at = parsed.positions.get(pointer);
  return { file: parsed.file, pointer, line: at?.line, column: at?.column, message };
}

export async function validateWithJsonSchema(parsed: ParsedJson, schema: JsonValue, schemaFile: string): Promise<ConfigIssue[]> {
  // Loaded on demand: only repositories with custom artifacts need it.
  const [ajvModule, formatsModule] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats')]);
  // CommonJS packages: Node exposes named exports, a bundle only `default` (module.exports).
  const Ajv2020 = ajvModule.Ajv2020 ?? (ajvModule as unknown as { default: { Ajv2020: typeof ajvModule.Ajv2020 } }).default.Ajv2020;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  type AddFormats = (instance: typeof ajv) => unknown;
  const formats = formatsModule as unknown as { default: AddFormats | { default: AddFormats } };
  const addFormats = typeof formats.default === 'function' ? formats.default : formats.default.default;
  addFormats(ajv);
  let validate;
  try {
    validate = ajv.compile(schema as object);
  } catch (error) {
    return [{ file: schemaFile, pointer: '', message: `not a usable JSON Schema: ${(error as Error).message}` }];
  }
  if (validate(parsed.value)) return [];
  return (validate.errors ?? []).map((error: { instancePath: string; keyword: string; params: unknown; message?: string }) => {
    const extra = error.keyword === 'additionalProperties' ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})` : '';
    return located(parsed, error.instancePath, `${error.message ?? 'invalid'}${extra}`);
  });
}

export async function validateWithZodModule(parsed: ParsedJson, modulePath: string): Promise<ConfigIssue[]> {
  const loaded = (await import(pathToFileURL(modulePath).href)) as { schema?: ZodType; default?: ZodType };
  const schema = loaded.schema ?? loaded.default;
  if (!schema || typeof (schema as { safeParse?: unknown }).safeParse !== 'function') {
    return [{ file: modulePath, pointer: '', message: 'the module must export a zod schema as `schema` (or default)' }];
  }
  const checked = schema.safeParse(parsed.value);
  if (checked.success) return [];
  return checked.error.issues.map((issue) => {
    const pointer = issue.path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
    return located(parsed, pointer, issue.message);
  });
}
