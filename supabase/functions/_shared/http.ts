// JSON responses and the errors every function answers with: `{ error: { code, message, field? } }`.

export interface ErrorBody {
  error: { code: string; message: string; field?: string; hint?: string };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/** An error a function answers with; thrown by validation, auth and the database layer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly hint?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResponse(): Response {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.field !== undefined) error.field = this.field;
    if (this.hint !== undefined) error.hint = this.hint;
    return json(this.status, { error }, this.headers);
  }
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** The request's JSON object body: 415 without a JSON content type, 413 when too large, 400 when not an object. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as JSON (content-type: application/json)');
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, 'payload_too_large', `the body is ${declared} bytes; the limit is ${MAX_BODY_BYTES}`);
  const text = await request.text();
  if (new TextEncoder().encode(text).byteLength > MAX_BODY_BYTES) throw new HttpError(413, 'payload_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_body', 'the body must be a JSON object', 'body');
  return body as Record<string, unknown>;
}

/** Runs a POST-only handler: 405 for other methods, HttpError → its response, anything else → 500 without internals. */
export function postHandler(name: string, handle: (request: Request) => Promise<Response>): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      if (request.method !== 'POST') throw new HttpError(405, 'method_not_allowed', `${name} accepts POST only`, undefined, undefined, { allow: 'POST' });
      return await handle(request);
    } catch (error) {
      if (error instanceof HttpError) return error.toResponse();
      console.error(`${name}:`, error);
      return json(500, { error: { code: 'internal', message: 'internal error' } });
    }
  };
}

/**
 * Serves the handler. On Supabase (and `supabase functions serve`) the runtime owns the port; a
 * plain `deno run` (tests, local smoke runs) sets PLATFORM_KIT_FUNCTION_PORT, 0 for any free port,
 * and reads the port from the `listening on` line.
 */
export function serve(handler: (request: Request) => Promise<Response>): void {
  const port = Deno.env.get('PLATFORM_KIT_FUNCTION_PORT');
  if (port === undefined) {
    Deno.serve(handler);
    return;
  }
  Deno.serve(
    {
      port: Number(port),
      hostname: '127.0.0.1',
      onListen: ({ port: actual }) => console.log(`listening on http://127.0.0.1:${actual}/`),
    },
    handler,
  );
}
