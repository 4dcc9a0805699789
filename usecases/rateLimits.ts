import type { WriteLimits } from '../config/env';
import type { Caller } from '../domain/caller';
import { DomainError, ErrorCode } from '../domain/errors';
import type { Sql } from '../ledger/db';
import { countRequest, moveRequest } from '../store/rateLimits';

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
  return {
    /** Counts a write of the caller; past either limit it is RATE_LIMITED until the minute ends. */
    async countWrite(caller: Caller): Promise<CountedWrite> {
      const { writes, refused } = scopes(caller);
      const limit = limits[caller.role];
      const { count, beside, windowStart, windowEndsAt } = await countRequest(sql, writes, WINDOW_MS, refused);
      if (count > limit || beside > limit) {
        const retryAfterSeconds = Math.max(1, Math.ceil((windowEndsAt.getTime() - Date.now()) / 1000));
        const what = count > limit ? 'writes' : 'refused writes (answered 4xx)';
        throw new DomainError(ErrorCode.RATE_LIMITED, `more than ${limit} ${what} a minute`, { retryAfterSeconds });
      }
      return { caller, windowStart };
    },
    /** The counted write was answered 4xx: it changed nothing, and counts as a refused attempt instead. */
    async changedNothing(write: CountedWrite): Promise<void> {
      const { writes, refused } = scopes(write.caller);
      await moveRequest(sql, writes, refused, write.windowStart);
    },
  };
}
