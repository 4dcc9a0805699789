import type { Queryable } from '../ledger/db';

/**
 * Counts one request of `scope` in the current fixed window and returns the count so far and
 * when the window ends. One statement, so every API process shares the same count.
 */
export async function countRequest(sql: Queryable, scope: string, windowMs: number): Promise<{ count: number; windowEndsAt: Date }> {
  const [row] = await sql<[{ count: number; windowStart: Date }]>`
    INSERT INTO rate_limit_windows (scope, window_start, count)
    VALUES (${scope}, to_timestamp(floor(extract(epoch FROM clock_timestamp()) * 1000 / ${windowMs}) * ${windowMs} / 1000.0), 1)
    ON CONFLICT (scope, window_start) DO UPDATE SET count = rate_limit_windows.count + 1
    RETURNING count, window_start`;
  return { count: row.count, windowEndsAt: new Date(row.windowStart.getTime() + windowMs) };
}

/** Windows that ended before `before` are of no use any more. */
export async function deleteRateLimitWindows(sql: Queryable, before: Date): Promise<number> {
  const deleted = await sql`DELETE FROM rate_limit_windows WHERE window_start < ${before}`;
  return deleted.count;
}
