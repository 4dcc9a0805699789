import type { Context, MiddlewareHandler } from 'hono';
import { DomainError, ErrorCode } from '../domain/errors';
import type { AuthEnv } from './auth';

/**
 * The one body limit of the API (docs/api.md: every body is bounded before anything reads it,
 * authentication included). It runs first and reads nothing itself:
 * - a declared Content-Length above the route class's bound is 413 at once;
 * - any other body is replaced by a counting stream that fails with 413 the moment the bound is
 *   passed, whoever reads it (the JSON reader after authentication, the multipart reader of an
 *   upload), so no reader can take more than the bound;
 * - a request whose body was not read to its end gets `Connection: close` on its answer, so the
 *   server stops reading the rest instead of draining it (an unauthenticated 48 MiB body is never
 *   read past what the refusal needed).
 *
 * Route classes: JSON (everything) has the JSON bound; a multipart POST to one of the real upload
 * routes has the upload bound. A path that merely ends in /Documents is no upload route.
 */
export interface BodyBounds {
  jsonBytes: number;
  uploadBytes: number;
  /** The upload routes, as patterns over the request path (api/routes/documents.ts). */
  uploadPaths: readonly RegExp[];
}

/** Room for the multipart framing around the file (boundaries, part headers, the `type` field). */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const tooLarge = (max: number) => new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, `the body is larger than ${max} bytes`, { maxBytes: max });

/** True for a multipart POST to an upload route: only these may carry more than the JSON bound. */
export function isUploadRequest(c: Context, uploadPaths: readonly RegExp[]): boolean {
  return (
    c.req.method === 'POST' &&
    uploadPaths.some((p) => p.test(c.req.path)) &&
    /^multipart\/form-data\s*;/i.test(c.req.header('content-type') ?? '')
  );
}

/** Counts the bytes as they are pulled from `source` (which is read only when someone reads). */
function countedStream(source: ReadableStream<Uint8Array>, max: number, state: { read: number; ended: boolean }) {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= source.getReader();
        const { done, value } = await reader.read();
        if (done) {
          state.ended = true;
          controller.close();
          return;
        }
        state.read += value.byteLength;
        if (state.read > max) {
          controller.error(tooLarge(max));
          await reader.cancel().catch(() => undefined);
          return;
        }
        controller.enqueue(value);
      },
      async cancel(reason) {
        await (reader ?? source).cancel(reason).catch(() => undefined);
      },
    },
    // Nothing is pulled ahead of a reader: before authentication no byte is read.
    { highWaterMark: 0 },
  );
}

export function boundBodies(bounds: BodyBounds): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const max = isUploadRequest(c, bounds.uploadPaths) ? bounds.uploadBytes + MULTIPART_OVERHEAD_BYTES : bounds.jsonBytes;
    const declared = c.req.header('content-length');
    const chunked = c.req.header('transfer-encoding') !== undefined;
    if (declared !== undefined && !chunked && Number(declared) === 0) return next();
    const state = { read: 0, ended: false };
    try {
      if (declared !== undefined && !chunked && !(Number(declared) <= max)) throw tooLarge(max);
      const source = c.req.raw.body;
      if (source) c.req.raw = new Request(c.req.raw, { body: countedStream(source, max, state), duplex: 'half' } as RequestInit);
      await next();
    } finally {
      // Closing is how HTTP/1.1 refuses the rest of a body: the server stops reading, the client stops sending.
      if (!state.ended) c.header('Connection', 'close');
    }
  };
}

/**
 * After authentication: the JSON body read once (within the bound) for the validators and the
 * Idempotency-Key hash. Clients send `Content-Type: application/json` with no body to actions whose
 * body is optional (pend, cancel, recalculate): that means "no options", not malformed JSON.
 */
export function readJsonBody(uploadPaths: readonly RegExp[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || isUploadRequest(c, uploadPaths)) return next();
    if (/json/i.test(c.req.header('content-type') ?? '') && (await c.req.text()).trim() === '') {
      c.req.bodyCache.text = Promise.resolve('{}') as never;
    }
    return next();
  };
}
