import type { WriteLimits } from '../config/env';
import type { Caller } from '../domain/caller';
import { DomainError, ErrorCode } from '../domain/errors';
import type { Sql } from '../ledger/db';
import { type ClaimResult, countAndClaimKey, type KeyClaim } from '../store/idempotency';
import { countRequest, moveRequest, type RequestCount } from '../store/rateLimits';

const WINDOW_MS = 60_000;

/** A counted write: which window it was counted in, to move it if it turns out to change nothing. */
export interface CountedWrite {
  caller: Caller;
  windowStart: Date;
}

/**
 * Limits writes per caller, shared by every API process through Postgres. Two classes, each with
 * the caller's limit a minute: writes, and attempts that changed nothing (answered 4xx: a 404, a
 * refused rule). Every write is counted as a write before it runs (a burst is bounded at once) and
 * moved to the other class when it is refused, so a client's honest 404s and 422s never use up its
 * writes. A caller past either limit is refused (429) until the minute ends: refused attempts
 * without end are a client gone wrong, and they cost the database as much as writes.
 */
export function createRateLimiter(sql: Sql, limits: WriteLimits) {
  const scopes = (caller: Caller) => ({
    writes: `write:${caller.role}:${caller.sub}`,
    refused: `refused:${caller.role}:${caller.sub}`,
  });
  /** Past either limit the write is RATE_LIMITED until the minute ends. */
  const admit = (caller: Caller, { count, beside, windowStart, windowEndsAt }: RequestCount): CountedWrite => {
    const limit = limits[caller.role];
    if (count > limit || beside > limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((windowEndsAt.getTime() - Date.now()) / 1000));
      const what = count > limit ? 'writes' : 'refused writes (answered 4xx)';
      throw new DomainError(ErrorCode.RATE_LIMITED, `more than ${limit} ${what} a minute`, { retryAfterSeconds });
    }
    return { caller, windowStart };
  };
  return {
    /** Counts a write of the caller. */
    async countWrite(caller: Caller): Promise<CountedWrite> {
      const { writes, refused } = scopes(caller);
      return admit(caller, await countRequest(sql, writes, WINDOW_MS, refused));
    },
    /**
     * Counts a write of the caller and claims its Idempotency-Key in the same statement; the key is
     * claimed only for a write within the limits.
     */
    async countWriteAndClaimKey(caller: Caller, key: KeyClaim): Promise<{ counted: CountedWrite; claim: ClaimResult }> {
      const { writes, refused } = scopes(caller);
      const { count, claim } = await countAndClaimKey(
        sql,
        { scope: writes, windowMs: WINDOW_MS, besideScope: refused, limit: limits[caller.role] },
        key,
      );
      return { counted: admit(caller, count), claim };
    },
    /** The counted write was answered 4xx: it changed nothing, and counts as a refused attempt instead. */
    async changedNothing(write: CountedWrite): Promise<void> {
      const { writes, refused } = scopes(write.caller);
      await moveRequest(sql, writes, refused, write.windowStart);
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
