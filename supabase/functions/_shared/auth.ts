// Bearer token authentication against a secret (`supabase secrets set NAME=...`), compared in
// constant time: both sides are hashed to 32 bytes first, so neither the content nor the length of
// the secret shows in the comparison's timing.
import { HttpError } from './http.ts';

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** Equal byte arrays of the same length, looking at every byte whatever the first difference. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a[index]! ^ b[index]!;
  return difference === 0;
}

/** Throws 401 unless `Authorization: Bearer <token>` carries the secret in `secretName`; 500 when the secret is not set. */
export async function requireBearer(request: Request, secretName: string): Promise<void> {
  const secret = Deno.env.get(secretName);
  if (!secret) {
    // Fail closed: a function deployed without its secret accepts nobody.
    throw new HttpError(500, 'not_configured', `the function's secret ${secretName} is not set`);
  }
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const challenge = { 'www-authenticate': 'Bearer realm="platform-kit"' };
  if (!match) throw new HttpError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)', undefined, undefined, challenge);
  const [given, expected] = await Promise.all([digest(match[1]!), digest(secret)]);
  if (!constantTimeEqual(given, expected)) throw new HttpError(401, 'unauthorized', 'invalid bearer token', undefined, undefined, challenge);
}
