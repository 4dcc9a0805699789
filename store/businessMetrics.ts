import type { Sql } from '../ledger/db';
import { countStrandedHolds } from './strandedHolds';

/** The longest the business queries of one scrape may take. */
const SCRAPE_STATEMENT_TIMEOUT = '5s';

/** What a metrics scrape reports of the business, read in one transaction. */
export interface BusinessFigures {
  payments: { status: string; count: bigint }[];
  transfers: { direction: string; status: string; count: bigint }[];
  /** Outgoing transfers in status Stuck, and how long the oldest has been so (null when none). */
  stuck: { count: bigint; oldestSeconds: number | null };
  /** Per kind of consistency check: failed runs of all time, the latest finish (Unix seconds), whether the latest finished run failed. */
  checks: { kind: string; failed: bigint; lastFailed: boolean | null; lastFinished: number | null }[];
  strandedHolds: number;
}

/**
 * Payments and transfers by status, the Stuck transfers, the consistency check runs and the
 * stranded holds. These scan whole tables: the statement timeout keeps a slow scrape from holding a
 * connection of the pool.
 */
export function readBusinessFigures(sql: Sql): Promise<BusinessFigures> {
  return sql.begin(async (tx) => {
    await tx.unsafe(`SET LOCAL statement_timeout = '${SCRAPE_STATEMENT_TIMEOUT}'`);
    const [payments, transfers, stuckRows, checks, strandedHolds] = await Promise.all([
      tx<{ status: string; count: bigint }[]>`SELECT status, count(*) AS count FROM payments GROUP BY status`,
      tx<{ direction: string; status: string; count: bigint }[]>`
        SELECT direction, status, count(*) AS count FROM transfers GROUP BY direction, status`,
      tx<{ count: bigint; oldestSeconds: number | null }[]>`
        SELECT count(*) AS count, extract(epoch FROM now() - min(updated_at))::float8 AS oldest_seconds
        FROM transfers WHERE status = 'Stuck'`,
      tx<{ kind: string; failed: bigint; lastFailed: boolean | null; lastFinished: number | null }[]>`
        SELECT kind,
               count(*) FILTER (WHERE status = 'failed') AS failed,
               extract(epoch FROM max(finished_at))::float8 AS last_finished,
               (array_agg(status = 'failed' ORDER BY seq DESC) FILTER (WHERE status <> 'running'))[1] AS last_failed
        FROM ledger_checks GROUP BY kind`,
      countStrandedHolds(tx),
    ]);
    return { payments, transfers, stuck: stuckRows[0] ?? { count: 0n, oldestSeconds: null }, checks, strandedHolds };
  });
}
