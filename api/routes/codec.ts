import type { Payload, PayloadCodec } from '@temporalio/common';
import { Hono } from 'hono';
import { DomainError, ErrorCode } from '../../domain/errors';
import { type AuthEnv, requireRole } from '../auth';

/** A payload as the Temporal Web UI and CLI send it to a codec server: proto3 JSON, bytes as base64. */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** The most payloads one call may carry (a history page is far below it). */
const MAX_PAYLOADS = 1_000;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

async function payloadsOf(body: unknown): Promise<Payload[]> {
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  const valid =
    Array.isArray(payloads) &&
    payloads.length <= MAX_PAYLOADS &&
    payloads.every(
      (p) =>
        p !== null &&
        typeof p === 'object' &&
        (p.data === undefined || typeof p.data === 'string') &&
        (p.metadata === undefined || (typeof p.metadata === 'object' && Object.values(p.metadata).every((v) => typeof v === 'string'))),
    );
  if (!valid)
    throw new DomainError(ErrorCode.VALIDATION_ERROR, `the body must be { "payloads": [...] } with at most ${MAX_PAYLOADS} payloads`);
  return (payloads as JsonPayload[]).map(fromJson);
}

/**
 * The codec endpoint of the Temporal Web UI and CLI (Temporal's "codec server" protocol): POST
 * /codec/decode turns encrypted payloads back into readable ones for ops reading a history, and
 * /codec/encode does the reverse (the UI encodes what it sends, a signal's input say). Ops token
 * only: it decrypts anything in any history.
 */
export function codecRoutes(codec: PayloadCodec) {
  const router = new Hono<AuthEnv>();
  for (const action of ['decode', 'encode'] as const) {
    router.post(`/codec/${action}`, requireRole('ops'), async (c) => {
      const payloads = await payloadsOf(await c.req.json().catch(() => null));
      let result: Payload[];
      try {
        result = await codec[action](payloads);
      } catch (error) {
        throw new DomainError(ErrorCode.VALIDATION_ERROR, `cannot ${action}: ${(error as Error).message}`);
      }
      return c.json({ payloads: result.map(toJson) }, 200);
    });
  }
  return router;
}
