import type { WriteLimits } from '../config/env';
import type { Caller } from '../domain/caller';
import { DomainError, ErrorCode } from '../domain/errors';
import type { Sql } from '../ledger/db';
import { countRequest } from '../store/rateLimits';

const WINDOW_MS = 60_000;

/** Limits writes per caller, shared by every API process through Postgres. */
export function createRateLimiter(sql: Sql, limits: WriteLimits) {
  return {
    /** Counts a write of the caller; past the limit it is RATE_LIMITED until the minute ends. */
    async countWrite(caller: Caller): Promise<void> {
      const { count, windowEndsAt } = await countRequest(sql, `write:${caller.role}:${caller.sub}`, WINDOW_MS);
      if (count > limits[caller.role]) {
        const retryAfterSeconds = Math.max(1, Math.ceil((windowEndsAt.getTime() - Date.now()) / 1000));
        throw new DomainError(ErrorCode.RATE_LIMITED, `more than ${limits[caller.role]} writes a minute`, { retryAfterSeconds });
      }
    },
  };
}
