import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, MiddlewareHandler } from 'hono';
import { DomainError, ErrorCode } from '../domain/errors';
import type { Sql } from '../ledger/db';
import { claimKey, releaseKey, saveResponse } from '../store/idempotency';
import type { RateLimiter } from '../usecases/rateLimits';
import type { AuthEnv } from './auth';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export interface IdempotencyOptions {
  /** How long a running request holds its key before a crash is assumed. */
  leaseMs: number;
  /** How long a repeat waits for the first request before answering 409 IN_PROGRESS. */
  waitMs: number;
}

const POLL_MS = 50;

const wellFormed = (key: string) => key.length >= 1 && key.length <= 255;

/**
 * Whether this middleware handles the request's key (a write by a caller with a well-formed key):
 * it then counts the write against the caller's limit in the statement that claims the key.
 */
export function handlesIdempotencyKey(c: Context<AuthEnv>): boolean {
  const key = keyOfWrite(c);
  return key !== undefined && wellFormed(key);
}

/** The key of a write by a caller: keys are scoped per caller, and a GET or a public route (no caller) has nothing to replay. */
const keyOfWrite = (c: Context<AuthEnv>) => (c.req.method === 'GET' || !c.get('caller') ? undefined : c.req.header(IDEMPOTENCY_HEADER));

/**
 * Idempotency-Key handling of docs/api.md for POST/PUT/PATCH/DELETE: the first answer (status and
 * body) is stored per caller and key and replayed with `Idempotent-Replayed: true`; the same key
 * with another request is 409 IDEMPOTENCY_KEY_REUSED. A 5xx or a 400 is not stored. The write is
 * counted against the caller's limit together with the key's first claim (one statement), and the
 * count handed on as `countedWrite` (api/app.ts moves a write answered 4xx).
 */
export function idempotency(sql: Sql, rateLimits: RateLimiter, options: IdempotencyOptions): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const key = keyOfWrite(c);
    if (key === undefined) return next();
    const caller = c.get('caller');
    if (!wellFormed(key)) {
      throw new DomainError(ErrorCode.VALIDATION_ERROR, 'Idempotency-Key must be 1 to 255 characters', { field: IDEMPOTENCY_HEADER });
    }
    const scope = `${caller.role}:${caller.sub}`;
    const body = await c.req.text();
    const hash = createHash('sha256').update(`${c.req.method} ${c.req.path}\n${body}`).digest('hex');
    const request = { caller: scope, key, requestHash: hash, leaseMs: options.leaseMs };

    const deadline = Date.now() + options.waitMs;
    const first = await rateLimits.countWriteAndClaimKey(caller, request);
    c.set('countedWrite', first.counted);
    // A repeat waiting for the first request polls the claim alone: it is one write, counted once.
    for (let claim = first.claim; ; claim = await claimKey(sql, request)) {
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
