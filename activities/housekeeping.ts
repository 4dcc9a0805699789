import type { Sql } from '../ledger/db';
import { deleteEventsBefore } from '../ledger/events';
import { deleteIdempotencyKeys } from '../store/idempotency';
import { deleteRateLimitWindows } from '../store/rateLimits';
import { withBusinessFailures } from './failures';

export interface HousekeepingPolicy {
  /** docs/api.md keeps Idempotency-Keys at least 24 hours. */
  idempotencyRetentionMs: number;
  /** Rate-limit windows are a minute long; older ones only take space. */
  rateLimitRetentionMs: number;
}

export const DEFAULT_HOUSEKEEPING: HousekeepingPolicy = {
  idempotencyRetentionMs: 24 * 3600 * 1000,
  rateLimitRetentionMs: 3600 * 1000,
};

/** Event batches one housekeeping run deletes at most (10,000 each); the next hourly run goes on. */
const EVENT_BATCHES_PER_RUN = 50;

/**
 * Deletes what the API no longer needs. Idempotent: a second run finds less or nothing. The event
 * log's retention (EVENT_RETENTION_DAYS, default 30) is the worker's setting, not the workflow's
 * input, so it rides on the hourly `housekeeping` schedule without a workflow change.
 */
export function createHousekeepingActivities({ sql, eventRetentionDays = 30 }: { sql: Sql; eventRetentionDays?: number }) {
  async function purgeExpired(
    policy: HousekeepingPolicy = DEFAULT_HOUSEKEEPING,
  ): Promise<{ idempotencyKeys: number; rateLimitWindows: number; events: number }> {
    const now = Date.now();
    const idempotencyKeys = await deleteIdempotencyKeys(sql, new Date(now - policy.idempotencyRetentionMs));
    const rateLimitWindows = await deleteRateLimitWindows(sql, new Date(now - policy.rateLimitRetentionMs));
    const before = new Date(now - eventRetentionDays * 24 * 3600 * 1000);
    let events = 0;
    for (let batch = 0; batch < EVENT_BATCHES_PER_RUN; batch++) {
      const deleted = await deleteEventsBefore(sql, before);
      events += deleted;
      if (deleted === 0) break;
    }
    return { idempotencyKeys, rateLimitWindows, events };
  }
  return { purgeExpired: withBusinessFailures(purgeExpired) };
}
