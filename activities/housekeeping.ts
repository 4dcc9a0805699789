import type { Sql } from '../ledger/db';
import { deleteIdempotencyKeys } from '../store/idempotency';
import { deleteRateLimitWindows } from '../store/rateLimits';
import { withBusinessFailures } from './failures';

export interface HousekeepingPolicy {
  /** API.md keeps Idempotency-Keys at least 24 hours. */
  idempotencyRetentionMs: number;
  /** Rate-limit windows are a minute long; older ones only take space. */
  rateLimitRetentionMs: number;
}

export const DEFAULT_HOUSEKEEPING: HousekeepingPolicy = {
  idempotencyRetentionMs: 24 * 3600 * 1000,
  rateLimitRetentionMs: 3600 * 1000,
};

/** Deletes what the API no longer needs. Idempotent: a second run finds less or nothing. */
export function createHousekeepingActivities({ sql }: { sql: Sql }) {
  async function purgeExpired(
    policy: HousekeepingPolicy = DEFAULT_HOUSEKEEPING,
  ): Promise<{ idempotencyKeys: number; rateLimitWindows: number }> {
    const now = Date.now();
    const idempotencyKeys = await deleteIdempotencyKeys(sql, new Date(now - policy.idempotencyRetentionMs));
    const rateLimitWindows = await deleteRateLimitWindows(sql, new Date(now - policy.rateLimitRetentionMs));
    return { idempotencyKeys, rateLimitWindows };
  }
  return { purgeExpired: withBusinessFailures(purgeExpired) };
}
