import type { Queryable } from '../ledger/db';

/**
 * Counts one request of `scope` in the current fixed window and returns the count so far, the
 * count of `besideScope` in the same window (0 when not given) and the window's bounds. One
 * statement, so every API process shares the same counts.
 */
export async function countRequest(
  sql: Queryable,
  scope: string,
  windowMs: number,
  besideScope?: string,
): Promise<{ count: number; beside: number; windowStart: Date; windowEndsAt: Date }> {
  const [row] = await sql<[{ count: number; windowStart: Date; beside: number }]>`
    WITH counted AS (
      INSERT INTO rate_limit_windows (scope, window_start, count)
      VALUES (${scope}, to_timestamp(floor(extract(epoch FROM clock_timestamp()) * 1000 / ${windowMs}) * ${windowMs} / 1000.0), 1)
      ON CONFLICT (scope, window_start) DO UPDATE SET count = rate_limit_windows.count + 1
      RETURNING count, window_start)
    SELECT counted.count, counted.window_start,
      coalesce((SELECT w.count FROM rate_limit_windows w WHERE w.scope = ${besideScope ?? null} AND w.window_start = counted.window_start), 0) AS beside
    FROM counted`;
  return {
    count: row.count,
    beside: row.beside,
    windowStart: row.windowStart,
    windowEndsAt: new Date(row.windowStart.getTime() + windowMs),
  };
}

/** Moves one request counted in `from` to `to`, in the window it was counted in (one statement). */
export async function moveRequest(sql: Queryable, from: string, to: string, windowStart: Date): Promise<void> {
  await sql`
    WITH taken AS (
      UPDATE rate_limit_windows SET count = count - 1
      WHERE scope = ${from} AND window_start = ${windowStart} AND count > 0)
    INSERT INTO rate_limit_windows (scope, window_start, count)
    VALUES (${to}, ${windowStart}, 1)
    ON CONFLICT (scope, window_start) DO UPDATE SET count = rate_limit_windows.count + 1`;
}

/** Windows that ended before `before` are of no use any more. */
export async function deleteRateLimitWindows(sql: Queryable, before: Date): Promise<number> {
  const deleted = await sql`DELETE FROM rate_limit_windows WHERE window_start < ${before}`;
  return deleted.count;
}
