import type { Queryable } from '../ledger/db';

/** A request counted in its window: the count so far, the count of the scope beside it, the window. */
export interface RequestCount {
  count: number;
  beside: number;
  windowStart: Date;
  windowEndsAt: Date;
}

/**
 * The counting of one request of `scope` in the current fixed window, as parts of a statement: the
 * CTE `counted` and the columns count, window_start and beside (the count of `besideScope` in the
 * same window, 0 when not given) to select from it. Other statements count a request together
 * with their own work through it (store/idempotency.ts).
 */
export function countingOf(sql: Queryable, scope: string, windowMs: number, besideScope?: string) {
  return {
    cte: sql`counted AS (
      INSERT INTO rate_limit_windows (scope, window_start, count)
      VALUES (${scope}, to_timestamp(floor(extract(epoch FROM clock_timestamp()) * 1000 / ${windowMs}) * ${windowMs} / 1000.0), 1)
      ON CONFLICT (scope, window_start) DO UPDATE SET count = rate_limit_windows.count + 1
      RETURNING count, window_start)`,
    columns: sql`counted.count, counted.window_start,
      coalesce((SELECT w.count FROM rate_limit_windows w WHERE w.scope = ${besideScope ?? null} AND w.window_start = counted.window_start), 0) AS beside`,
  };
}

/** The count a statement built with countingOf answered. */
export function requestCountOf(row: { count: number; beside: number; windowStart: Date }, windowMs: number): RequestCount {
  return {
    count: row.count,
    beside: row.beside,
    windowStart: row.windowStart,
    windowEndsAt: new Date(row.windowStart.getTime() + windowMs),
  };
}

/** Counts one request of `scope` (see countingOf). One statement, so every API process shares the same counts. */
export async function countRequest(sql: Queryable, scope: string, windowMs: number, besideScope?: string): Promise<RequestCount> {
  const counting = countingOf(sql, scope, windowMs, besideScope);
  const [row] = await sql<
    [{ count: number; windowStart: Date; beside: number }]
  >`WITH ${counting.cte} SELECT ${counting.columns} FROM counted`;
  return requestCountOf(row, windowMs);
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
