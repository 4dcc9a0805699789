import type { Sql } from '../ledger/db';
import { deleteEventsBefore } from '../ledger/events';
import { deleteSnapshotsBefore } from '../ledger/snapshots';
import { deleteIdempotencyKeys } from '../store/idempotency';
import { deleteExpiredNotifications } from '../store/notifications';
import { deleteRateLimitWindows } from '../store/rateLimits';
import { withBusinessFailures } from './failures';

export interface HousekeepingPolicy {
  /** docs/api.md keeps Idempotency-Keys at least 24 hours. */
  idempotencyRetentionMs: number;
  /** Rate-limit windows are a minute long; older ones only take space. */
  rateLimitRetentionMs: number;
}

/** What one run deleted, by kind. */
export interface PurgeCounts {
  idempotencyKeys: number;
  rateLimitWindows: number;
  events: number;
  notifications: number;
  snapshots: number;
}

export const DEFAULT_HOUSEKEEPING: HousekeepingPolicy = {
  idempotencyRetentionMs: 24 * 3600 * 1000,
  rateLimitRetentionMs: 3600 * 1000,
};

/** Batches of each kind one housekeeping run deletes at most (10,000 each); the next hourly run goes on. */
const BATCHES_PER_RUN = 50;
const SNAPSHOT_BATCH = 10_000;
const DAY_MS = 24 * 3600 * 1000;

/** How long notifications and daily balance snapshots are kept (the worker's settings, like EVENT_RETENTION_DAYS). */
export interface RetentionDays {
  notificationDays: number;
  snapshotDays: number;
}

export const DEFAULT_RETENTION_DAYS: RetentionDays = { notificationDays: 90, snapshotDays: 400 };

/** Repeats a bounded delete until it finds nothing or the run's budget is spent; the total deleted. */
async function inBatches(deleteBatch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < BATCHES_PER_RUN; batch++) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted === 0) break;
  }
  return total;
}

/**
 * Deletes what the API no longer needs. Idempotent: a second run finds less or nothing. The event
 * log's retention (EVENT_RETENTION_DAYS, default 30) is the worker's setting, not the workflow's
 * input, so it rides on the hourly `housekeeping` schedule without a workflow change.
 */
export function createHousekeepingActivities({
  sql,
  eventRetentionDays = 30,
  retention = DEFAULT_RETENTION_DAYS,
}: {
  sql: Sql;
  eventRetentionDays?: number;
  retention?: RetentionDays;
}) {
  async function purgeExpired(policy: HousekeepingPolicy = DEFAULT_HOUSEKEEPING): Promise<PurgeCounts> {
    const now = Date.now();
    const idempotencyKeys = await deleteIdempotencyKeys(sql, new Date(now - policy.idempotencyRetentionMs));
    const rateLimitWindows = await deleteRateLimitWindows(sql, new Date(now - policy.rateLimitRetentionMs));
    const events = await inBatches(() => deleteEventsBefore(sql, new Date(now - eventRetentionDays * DAY_MS)));
    // A code's message goes once the code expired; every other message after its retention.
    const notifications = await inBatches(() =>
      deleteExpiredNotifications(sql, new Date(now), new Date(now - retention.notificationDays * DAY_MS)),
    );
    const snapshotsBefore = new Date(now - retention.snapshotDays * DAY_MS).toISOString().slice(0, 10);
    const snapshots = await inBatches(() => deleteSnapshotsBefore(sql, snapshotsBefore, SNAPSHOT_BATCH));
    return { idempotencyKeys, rateLimitWindows, events, notifications, snapshots };
  }
  return { purgeExpired: withBusinessFailures(purgeExpired) };
}
