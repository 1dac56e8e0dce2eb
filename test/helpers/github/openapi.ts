import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * Requests checked against GitHub's published OpenAPI description (@octokit/openapi): the route
 * must exist for the method, query parameters must be declared (and fit their schema), and a JSON
 * body must fit the operation's request body schema.
 */

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const REF_ROOT = 'https://api.github.com/openapi.json';

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
  'x-multi-segment'?: boolean;
}

type ParameterOrRef = ParameterObject | { $ref: string };

interface ResponseObject {
  content?: Record<string, { schema?: Record<string, unknown> }>;
}

interface OperationObject {
  operationId: string;
  parameters?: ParameterOrRef[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Record<string, unknown> }> };
  responses?: Record<string, ResponseObject | { $ref: string }>;
}

interface OpenApiDocument {
  paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], OperationObject>>>;
  components: { schemas: Record<string, unknown>; parameters: Record<string, ParameterObject>; responses?: Record<string, ResponseObject> };
}

export interface MatchedOperation {
  operationId: string;
  /** The path template, e.g. `/repos/{owner}/{repo}/check-runs/{check_run_id}`. */
  template: string;
  /** Decoded path parameters. */
  params: Record<string, string>;
}

export interface ValidationInput {
  method: string;
  /** Path and query, e.g. `/repos/o/r/pulls/1/files?per_page=100`. */
  url: string;
  /** Parsed JSON body, or undefined when the request has none. */
  body?: unknown;
}

export interface ValidationResult {
  operation?: MatchedOperation;
  /** Empty when the request fits the description. */
  errors: string[];
}

interface Route {
  template: string;
  regex: RegExp;
  names: string[];
  /** Literal characters: the most specific template wins when several match. */
  specificity: number;
}

// ajv-formats is CommonJS: its module object is the plugin and also carries it as `.default`, the
// one spelling that both TypeScript (NodeNext) and Node's ESM loader resolve to the function.
const addFormats = addFormatsModule.default;

export class OpenApiValidator {
  readonly #doc: OpenApiDocument;
  readonly #routes: Route[];
  readonly #bodyAjv: Ajv;
  readonly #queryAjv: Ajv;
  readonly #bodyValidators = new Map<string, ValidateFunction>();
  readonly #queryValidators = new Map<string, ValidateFunction>();
  readonly #responseValidators = new Map<string, ValidateFunction | null>();

  constructor(doc: OpenApiDocument) {
    this.#doc = doc;
    this.#routes = Object.keys(doc.paths).map((template) => this.#route(template));
    // The description uses OpenAPI 3.0 keywords (nullable, discriminator, x-*): not strict JSON Schema.
    this.#bodyAjv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false, discriminator: false });
    addFormats(this.#bodyAjv);
    this.#bodyAjv.addSchema({ $id: REF_ROOT, components: { schemas: nullableForAjv(doc.components.schemas) } });
    // Query values arrive as strings: coerce them to the declared types before checking.
    this.#queryAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true, logger: false });
    addFormats(this.#queryAjv);
  }

  /** The operation for a method and path, or undefined when GitHub has no such route. */
  match(method: string, pathname: string): MatchedOperation | undefined {
    const verb = method.toLowerCase() as (typeof HTTP_METHODS)[number];
    let best: { route: Route; values: string[] } | undefined;
    for (const route of this.#routes) {
      if (!this.#doc.paths[route.template]?.[verb]) continue;
      const found = route.regex.exec(pathname);
      if (!found) continue;
      if (!best || route.specificity > best.route.specificity) best = { route, values: found.slice(1) };
    }
    if (!best) return undefined;
    const operation = this.#doc.paths[best.route.template]?.[verb] as OperationObject;
    const params: Record<string, string> = {};
    best.route.names.forEach((name, index) => {
      params[name] = safeDecode(best.values[index] ?? '');
    });
    return { operationId: operation.operationId, template: best.route.template, params };
  }

  validate(input: ValidationInput): ValidationResult {
    const url = new URL(input.url, 'https://api.github.com');
    const operation = this.match(input.method, url.pathname);
    const where = `${input.method.toUpperCase()} ${url.pathname}`;
    if (!operation) return { errors: [`${where}: no such route in GitHub's REST API description`] };
    const definition = this.#doc.paths[operation.template]?.[input.method.toLowerCase() as (typeof HTTP_METHODS)[number]] as OperationObject;
    const errors = [...this.#queryErrors(definition, url.searchParams, operation), ...this.#bodyErrors(definition, input.body, operation)];
    return { operation, errors: errors.map((error) => `${where} (${operation.operationId}): ${error}`) };
  }

  /**
   * Problems with a response the stand-in sends, checked against the status's declared schema
   * (open objects: GitHub adds fields over time). A status the operation does not declare is a
   * problem; a declared status without a JSON schema (204) takes no body.
   */
  validateResponse(method: string, operation: MatchedOperation, status: number, body: unknown): string[] {
    const where = `${method.toUpperCase()} ${operation.template} (${operation.operationId}) response ${status}`;
    const definition = this.#doc.paths[operation.template]?.[method.toLowerCase() as (typeof HTTP_METHODS)[number]];
    const declared = definition?.responses?.[String(status)];
    if (!declared) return [`${where}: status not declared for this operation`];
    const key = `${operation.operationId} ${status}`;
    let validator = this.#responseValidators.get(key);
    if (validator === undefined) {
      const response = '$ref' in declared ? this.#doc.components.responses?.[declared.$ref.replace('#/components/responses/', '')] : declared;
      const schema = response?.content?.['application/json']?.schema;
      try {
        validator = schema ? this.#bodyAjv.compile(rebaseRefs(nullableForAjv(schema) as Record<string, unknown>)) : null;
      } catch (error) {
        // Thrown inside nock's reply the error would hang the request: report it instead.
        return [`${where}: the response schema does not compile (${error instanceof Error ? error.message : String(error)})`];
      }
      this.#responseValidators.set(key, validator);
    }
    if (validator === null) return body === undefined || body === '' ? [] : [`${where}: declares no body, got one`];
    return validator(body) ? [] : formatAjvErrors(validator, 'response').map((error) => `${where}: ${error}`);
  }

  #route(template: string): Route {
    const multiSegment = new Set<string>();
    for (const method of HTTP_METHODS) {
      for (const parameter of this.#doc.paths[template]?.[method]?.parameters ?? []) {
        const resolved = this.#parameter(parameter);
        if (resolved['x-multi-segment']) multiSegment.add(resolved.name);
      }
    }
    const names: string[] = [];
    let specificity = 0;
    const pattern = template.replace(/\{([^}]+)\}|[^{]+/g, (part: string, name?: string) => {
      if (name === undefined) {
        specificity += part.length;
        return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      }
      names.push(name);
      return multiSegment.has(name) ? '(.+?)' : '([^/]+?)';
    });
    return { template, regex: new RegExp(`^${pattern}$`), names, specificity };
  }

  #parameter(parameter: ParameterOrRef): ParameterObject {
    if ('$ref' in parameter) {
      const name = parameter.$ref.replace('#/components/parameters/', '');
      const resolved = this.#doc.components.parameters[name];
      if (!resolved) throw new Error(`unresolved parameter ${parameter.$ref}`);
      return resolved;
    }
    return parameter;
  }

  #queryErrors(definition: OperationObject, search: URLSearchParams, operation: MatchedOperation): string[] {
    const declared = (definition.parameters ?? []).map((parameter) => this.#parameter(parameter)).filter((parameter) => parameter.in === 'query');
    const errors: string[] = [];
    const values: Record<string, string> = {};
    for (const [name, value] of search) {
      if (!declared.some((parameter) => parameter.name === name)) errors.push(`unknown query parameter "${name}"`);
      else values[name] = value;
    }
    for (const parameter of declared) {
      if (parameter.required && !(parameter.name in values)) errors.push(`missing required query parameter "${parameter.name}"`);
    }
    let validator = this.#queryValidators.get(operation.operationId);
    if (!validator) {
      const properties = Object.fromEntries(declared.map((parameter) => [parameter.name, parameter.schema ?? {}]));
      validator = this.#queryAjv.compile({ type: 'object', properties });
      this.#queryValidators.set(operation.operationId, validator);
    }
    if (!validator({ ...values })) errors.push(...formatAjvErrors(validator, 'query'));
    return errors;
  }

  #bodyErrors(definition: OperationObject, body: unknown, operation: MatchedOperation): string[] {
    const requestBody = definition.requestBody;
    if (body === undefined) return requestBody?.required ? ['the request body is required'] : [];
    if (!requestBody) return ['this operation takes no request body'];
    const schema = requestBody.content['application/json']?.schema;
    if (!schema) return [`this operation does not take JSON (it takes ${Object.keys(requestBody.content).join(', ')})`];
    let validator = this.#bodyValidators.get(operation.operationId);
    if (!validator) {
      try {
        validator = this.#bodyAjv.compile(closeObjects(rebaseRefs(nullableForAjv(schema) as Record<string, unknown>)));
      } catch (error) {
        // Thrown inside nock's reply the error would hang the request: report it instead.
        return [`the request body schema does not compile (${error instanceof Error ? error.message : String(error)})`];
      }
      this.#bodyValidators.set(operation.operationId, validator);
    }
    return validator(body) ? [] : formatAjvErrors(validator, 'body');
  }
}

/**
 * OpenAPI 3.0's `nullable` as Ajv accepts it: beside `$ref`/`allOf`/`oneOf` (no `type`) Ajv refuses
 * it, so it becomes `anyOf: [schema, null]`; beside an `enum`, Ajv wants `null` among the values.
 */
function nullableForAjv(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableForAjv);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    // `properties` maps names to schemas: a property may itself be called `nullable` or `enum`.
    copy[key] =
      key === 'properties' && value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).map(([name, child]) => [name, nullableForAjv(child)]))
        : nullableForAjv(value);
  }
  if (copy.nullable !== true) return copy;
  if (Array.isArray(copy.enum) && !copy.enum.includes(null)) copy.enum = [...copy.enum, null];
  if (copy.type === undefined) {
    delete copy.nullable;
    return { anyOf: [copy, { type: 'null' }] };
  }
  return copy;
}

/** Inline request body schemas point at `#/components/...` of the document: point them at the registered copy. */
function rebaseRefs(schema: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/', `"$ref":"${REF_ROOT}#/`)) as Record<string, unknown>;
}

/**
 * GitHub ignores body keys it does not know, so a misspelt optional key (`external_ids`) would be
 * dropped without a word. The harness treats every object shape declared inline in a request body
 * as closed. Composed schemas (allOf/anyOf/oneOf) stay open when a branch brings keys of its own.
 */
function closeObjects(schema: Record<string, unknown>, inComposition = false): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...schema };
  const own = new Set(Object.keys((copy.properties as Record<string, unknown> | undefined) ?? {}));
  // Branches that only constrain keys the object itself declares (check runs' status/conclusion) keep it closable.
  const composed = ['allOf', 'anyOf', 'oneOf'].some(
    (key) =>
      Array.isArray(copy[key]) &&
      (copy[key] as Array<Record<string, unknown>>).some((branch) =>
        Object.keys((branch.properties as Record<string, unknown> | undefined) ?? {}).some((name) => !own.has(name)) || '$ref' in branch || 'allOf' in branch,
      ),
  );
  for (const [key, value] of Object.entries(copy)) {
    if (key === 'properties' && value && typeof value === 'object') {
      copy[key] = Object.fromEntries(
        Object.entries(value as Record<string, Record<string, unknown>>).map(([name, child]) => [name, closeObjects(child)]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && value && typeof value === 'object' && !Array.isArray(value)) {
      copy[key] = closeObjects(value as Record<string, unknown>);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      copy[key] = value.map((branch: Record<string, unknown>) => closeObjects(branch, true));
    }
  }
  if (!inComposition && !composed && copy.type === 'object' && copy.properties && copy.additionalProperties === undefined) {
    copy.additionalProperties = false;
  }
  return copy;
}

function formatAjvErrors(validator: ValidateFunction, root: string): string[] {
  return (validator.errors ?? []).map((error) => {
    const at = `${root}${error.instancePath.replaceAll('/', '.')}`;
    const extra = error.keyword === 'additionalProperties' ? ` "${(error.params as { additionalProperty?: string }).additionalProperty}"` : '';
    const allowed = error.keyword === 'enum' ? ` (${(error.params as { allowedValues?: unknown[] }).allowedValues?.join(', ')})` : '';
    return `${at} ${error.message ?? error.keyword}${extra}${allowed}`;
  });
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

let shared: OpenApiValidator | undefined;

/** The validator over api.github.com's description, parsed once per test file (13 MB of JSON). */
export function githubOpenApi(): OpenApiValidator {
  if (!shared) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    shared = new OpenApiValidator(JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument);
  }
  return shared;
}
