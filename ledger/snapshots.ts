import type postgres from 'postgres';
import type { Currency } from '../domain/currency';
import type { Queryable } from './db';
import type { Counters } from './types';

/**
 * End-of-day balance snapshots (daily_account_balances) and balances as of a moment computed from
 * the latest snapshot plus the journal after it, so the cost follows the journal since the last
 * snapshot, not the whole journal.
 */

/**
 * A snapshot is a base for later moments only once it was computed a while after its cutoff: a
 * ledger transaction that began before the cutoff has committed by then. A snapshot of today (as of
 * the moment it ran) is never a base; the scheduled run after the day ends replaces it.
 */
const SETTLED_AFTER = '1 minute';
/** Entries are numbered (seq) in the order they are inserted, which is created_at order to within this. */
const SEQ_SLACK = '1 minute';

type Fragment = postgres.PendingQuery<postgres.Row[]>;

export interface CountersAtOptions {
  /** Include entries created exactly at `at` (a balance "as of" a moment) or not (a day's end). */
  inclusive: boolean;
  /** Start from snapshots (false: the whole journal, for a rebuild). */
  useSnapshots: boolean;
  /** Only snapshots of days before this one (a snapshot of a day is never built on itself). */
  snapshotsBefore?: string;
}

/**
 * SELECT of (account_id, currency, seq, debits_pending, debits_posted, credits_pending,
 * credits_posted) as of `at` for the accounts the `accounts` fragment selects (id, seq, currency).
 * Each account starts from its latest usable snapshot and adds the journal from that snapshot's
 * cutoff on, read through the (account, seq) indexes from the first entry near the cutoff.
 */
export function countersAtQuery(sql: Queryable, accounts: Fragment, at: Date, options: CountersAtOptions): Fragment {
  const until = options.inclusive ? sql`j.created_at <= ${at}` : sql`j.created_at < ${at}`;
  const usable = options.useSnapshots
    ? sql`s.as_of <= ${at} AND s.computed_at >= s.as_of + ${SETTLED_AFTER}::interval
          ${options.snapshotsBefore === undefined ? sql`` : sql`AND s.date < ${options.snapshotsBefore}::date`}`
    : sql`FALSE`;
  return sql`
    WITH acc AS (${accounts}),
    base AS (
      SELECT a.id, a.seq, a.currency, s.as_of,
             coalesce(s.debits_pending, 0) AS dpe, coalesce(s.debits_posted, 0) AS dpo,
             coalesce(s.credits_pending, 0) AS cpe, coalesce(s.credits_posted, 0) AS cpo
      FROM acc a
      LEFT JOIN LATERAL (
        SELECT * FROM daily_account_balances s WHERE s.account_id = a.id AND ${usable} ORDER BY s.as_of DESC LIMIT 1
      ) s ON TRUE
    ),
    starts AS (
      SELECT b.*,
             CASE WHEN b.as_of IS NULL THEN 0
                  ELSE coalesce((SELECT j.seq FROM journal_entries j WHERE j.created_at >= b.as_of - ${SEQ_SLACK}::interval
                                 ORDER BY j.created_at LIMIT 1), 9223372036854775807)
             END AS min_seq
      FROM base b
    )
    SELECT s.id AS account_id, s.currency, s.seq,
           (s.dpe + coalesce(d.dpe, 0))::bigint AS debits_pending,
           (s.dpo + coalesce(d.dpo, 0))::bigint AS debits_posted,
           (s.cpe + coalesce(d.cpe, 0))::bigint AS credits_pending,
           (s.cpo + coalesce(d.cpo, 0))::bigint AS credits_posted
    FROM starts s
    LEFT JOIN LATERAL (
      SELECT
        sum(CASE WHEN j.debit_account_id = s.id AND j.kind IN ('posted', 'post_pending') THEN j.amount ELSE 0 END) AS dpo,
        sum(CASE WHEN j.credit_account_id = s.id AND j.kind IN ('posted', 'post_pending') THEN j.amount ELSE 0 END) AS cpo,
        sum(CASE WHEN j.debit_account_id <> s.id THEN 0
                 WHEN j.kind = 'pending' THEN j.amount
                 WHEN j.kind IN ('post_pending', 'void_pending') THEN -p.amount ELSE 0 END) AS dpe,
        sum(CASE WHEN j.credit_account_id <> s.id THEN 0
                 WHEN j.kind = 'pending' THEN j.amount
                 WHEN j.kind IN ('post_pending', 'void_pending') THEN -p.amount ELSE 0 END) AS cpe
      FROM journal_entries j LEFT JOIN journal_entries p ON p.id = j.pending_id
      WHERE (j.debit_account_id = s.id OR j.credit_account_id = s.id)
        AND j.seq >= s.min_seq
        AND (s.as_of IS NULL OR j.created_at >= s.as_of)
        AND ${until}
    ) d ON TRUE`;
}

export interface CountersAt extends Counters {
  accountId: string;
  currency: Currency;
}

/** Counters of these accounts as of `at` (entries created at or before it), from the latest snapshot on. */
export async function countersAt(sql: Queryable, accountIds: string[], at: Date): Promise<CountersAt[]> {
  const accounts = sql`SELECT id, seq, currency FROM accounts WHERE id = ANY(${accountIds}::uuid[])`;
  return sql<CountersAt[]>`${countersAtQuery(sql, accounts, at, { inclusive: true, useSnapshots: true })} ORDER BY s.seq`;
}

export interface SnapshotBatch {
  /** Accounts in this batch. */
  count: number;
  /** The last account's seq: the next batch starts after it. */
  lastSeq: string | null;
  /** Snapshots written or changed (a re-run leaves the right ones alone). */
  changed: number;
}

/**
 * Snapshots the next `limit` accounts (by seq, after `afterSeq`) for a day: balances at its start
 * and at `cutoff` (the day's end, or now for today). An existing snapshot is replaced only when it
 * differs. With `fromJournal`, ignores every snapshot (a rebuild); otherwise starts from the
 * snapshots of earlier days.
 */
export async function snapshotAccounts(
  sql: Queryable,
  input: { date: string; dayStart: Date; cutoff: Date; afterSeq: string; limit: number; fromJournal: boolean },
): Promise<SnapshotBatch> {
  const batch = await sql<{ id: string; seq: bigint }[]>`
    SELECT id, seq FROM accounts WHERE seq > ${input.afterSeq}::bigint AND created_at < ${input.cutoff}
    ORDER BY seq LIMIT ${input.limit}`;
  if (batch.length === 0) return { count: 0, lastSeq: null, changed: 0 };
  const ids = batch.map((a) => a.id);
  const accounts = sql`SELECT id, seq, currency FROM accounts WHERE id = ANY(${ids}::uuid[])`;
  const options = { inclusive: false, useSnapshots: !input.fromJournal, snapshotsBefore: input.date };
  const changed = await sql`
    WITH o AS (${countersAtQuery(sql, accounts, input.dayStart, options)}),
         c AS (${countersAtQuery(sql, accounts, input.cutoff, options)})
    INSERT INTO daily_account_balances AS d (account_id, date, currency, opening_balance, debits, credits, closing_balance, held,
                                             debits_pending, debits_posted, credits_pending, credits_posted, as_of, computed_at)
    SELECT c.account_id, ${input.date}::date, c.currency, o.credits_posted - o.debits_posted,
           c.debits_posted - o.debits_posted, c.credits_posted - o.credits_posted, c.credits_posted - c.debits_posted,
           c.debits_pending, c.debits_pending, c.debits_posted, c.credits_pending, c.credits_posted, ${input.cutoff}, now()
    FROM c JOIN o USING (account_id)
    ON CONFLICT (account_id, date) DO UPDATE SET
      opening_balance = EXCLUDED.opening_balance, debits = EXCLUDED.debits, credits = EXCLUDED.credits,
      closing_balance = EXCLUDED.closing_balance, held = EXCLUDED.held,
      debits_pending = EXCLUDED.debits_pending, debits_posted = EXCLUDED.debits_posted,
      credits_pending = EXCLUDED.credits_pending, credits_posted = EXCLUDED.credits_posted,
      as_of = EXCLUDED.as_of, computed_at = EXCLUDED.computed_at
    WHERE (d.opening_balance, d.debits, d.credits, d.closing_balance, d.held, d.debits_pending, d.debits_posted,
           d.credits_pending, d.credits_posted, d.as_of)
      IS DISTINCT FROM
          (EXCLUDED.opening_balance, EXCLUDED.debits, EXCLUDED.credits, EXCLUDED.closing_balance, EXCLUDED.held,
           EXCLUDED.debits_pending, EXCLUDED.debits_posted, EXCLUDED.credits_pending, EXCLUDED.credits_posted, EXCLUDED.as_of)
    RETURNING 1`;
  return { count: batch.length, lastSeq: String(batch[batch.length - 1]?.seq), changed: changed.length };
}

export interface DailyBalanceRow {
  accountId: string;
  date: string;
  currency: Currency;
  openingBalance: bigint;
  debits: bigint;
  credits: bigint;
  closingBalance: bigint;
  held: bigint;
  asOf: Date;
}

export interface DailyBalanceFilter {
  accountId?: string;
  from?: string;
  to?: string;
  /** Keyset: the page starts after this (date, account id). */
  after?: { date: string; accountId: string };
  limit: number;
}

/** Snapshots by date, then account id; limit + 1 rows. */
export async function listDailyBalances(sql: Queryable, filter: DailyBalanceFilter): Promise<DailyBalanceRow[]> {
  return sql<DailyBalanceRow[]>`
    SELECT account_id, to_char(date, 'YYYY-MM-DD') AS date, currency, opening_balance, debits, credits, closing_balance, held, as_of
    FROM daily_account_balances
    WHERE TRUE
      ${filter.accountId === undefined ? sql`` : sql`AND account_id = ${filter.accountId}`}
      ${filter.from === undefined ? sql`` : sql`AND date >= ${filter.from}::date`}
      ${filter.to === undefined ? sql`` : sql`AND date <= ${filter.to}::date`}
      ${filter.after === undefined ? sql`` : sql`AND (date, account_id) > (${filter.after.date}::date, ${filter.after.accountId}::uuid)`}
    ORDER BY date, account_id
    LIMIT ${filter.limit + 1}`;
}

/** Snapshots of `date` whose opening differs from the closing of the day before (where there is one). */
export async function brokenSnapshotChain(sql: Queryable, date: string, limit: number) {
  return sql<{ accountId: string; date: string; openingBalance: bigint; previousClosing: bigint }[]>`
    SELECT d.account_id, to_char(d.date, 'YYYY-MM-DD') AS date, d.opening_balance, p.closing_balance AS previous_closing
    FROM daily_account_balances d
    JOIN daily_account_balances p ON p.account_id = d.account_id AND p.date = d.date - 1
    WHERE d.date = ${date}::date AND d.opening_balance <> p.closing_balance
    ORDER BY d.account_id
    LIMIT ${limit}`;
}

/**
 * Deletes end-of-day snapshots of days before `beforeDate` (YYYY-MM-DD), at most `limit`, but never
 * an account's latest one: balances as of a moment start from the latest usable snapshot
 * (countersAtQuery), so a dormant account keeps its base. Reports of those days can no longer be
 * listed; recalculating a day makes its snapshot again from the journal.
 */
export async function deleteSnapshotsBefore(sql: Queryable, beforeDate: string, limit: number): Promise<number> {
  const deleted = await sql`
    DELETE FROM daily_account_balances d
    WHERE (d.account_id, d.date) IN (
      SELECT o.account_id, o.date FROM daily_account_balances o
      WHERE o.date < ${beforeDate}::date
        AND EXISTS (SELECT 1 FROM daily_account_balances n WHERE n.account_id = o.account_id AND n.date > o.date)
      LIMIT ${limit})`;
  return deleted.count;
}
