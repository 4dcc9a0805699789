import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MiddlewareHandler } from 'hono';
import { DomainError, ErrorCode } from '../domain/errors';
import type { Sql } from '../ledger/db';
import { claimKey, releaseKey, saveResponse } from '../store/idempotency';
import type { AuthEnv } from './auth';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export interface IdempotencyOptions {
  /** How long a running request holds its key before a crash is assumed. */
  leaseMs: number;
  /** How long a repeat waits for the first request before answering 409 IN_PROGRESS. */
  waitMs: number;
}

const POLL_MS = 50;

/**
 * Idempotency-Key handling of docs/api.md for POST/PUT/PATCH/DELETE: the first answer (status and
 * body) is stored per caller and key and replayed with `Idempotent-Replayed: true`; the same key
 * with another request is 409 IDEMPOTENCY_KEY_REUSED. A 5xx or a 400 is not stored.
 */
export function idempotency(sql: Sql, options: IdempotencyOptions): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const key = c.req.header(IDEMPOTENCY_HEADER);
    const caller = c.get('caller');
    // Keys are scoped per caller: a public route (no caller) has nothing to replay.
    if (key === undefined || c.req.method === 'GET' || !caller) return next();
    if (key.length < 1 || key.length > 255) {
      throw new DomainError(ErrorCode.VALIDATION_ERROR, 'Idempotency-Key must be 1 to 255 characters', { field: IDEMPOTENCY_HEADER });
    }
    const scope = `${caller.role}:${caller.sub}`;
    const body = await c.req.text();
    const hash = createHash('sha256').update(`${c.req.method} ${c.req.path}\n${body}`).digest('hex');

    const deadline = Date.now() + options.waitMs;
    for (;;) {
      const claim = await claimKey(sql, scope, key, hash, options.leaseMs);
      if (claim.outcome === 'claimed') break;
      if (claim.outcome === 'mismatch') {
        throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'this Idempotency-Key was used for a different request');
      }
      if (claim.outcome === 'replay') {
        return c.newResponse(claim.response.body, claim.response.status as 200, {
          'content-type': 'application/json',
          'Idempotent-Replayed': 'true',
        });
      }
      if (Date.now() >= deadline) {
        throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS, 'a request with this Idempotency-Key is still running');
      }
      await sleep(POLL_MS);
    }

    try {
      await next();
    } catch (error) {
      await releaseKey(sql, scope, key);
      throw error;
    }
    // A 5xx may succeed when retried, and a 400 never reached the business: neither is kept, so the
    // same key can be used again with a corrected request.
    if (c.res.status >= 500 || c.res.status === 400) {
      await releaseKey(sql, scope, key);
      return;
    }
    await saveResponse(sql, scope, key, { status: c.res.status, body: await c.res.clone().text() });
  };
}
