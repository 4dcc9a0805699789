import type { Queryable } from './db';
import { countersAtQuery } from './snapshots';
import type { JournalEntry } from './types';

/**
 * An account statement: posted money only (posted and post_pending entries) created in
 * [from, to), oldest first. Entries are read through the two (account, seq) indexes between the
 * seqs that bound the period, so a statement costs what it holds, not what the journal holds.
 */

/** Entries are numbered in insertion order, which is created_at order to within this. */
const SEQ_SLACK = '1 minute';

export interface StatementPeriod {
  accountId: string;
  from: Date;
  /** Exclusive. */
  to: Date;
}

export interface StatementTotals {
  openingBalance: bigint;
  totalDebits: bigint;
  totalCredits: bigint;
  count: bigint;
}

function seqBounds(sql: Queryable, p: StatementPeriod) {
  return sql`
    coalesce((SELECT seq FROM journal_entries WHERE created_at >= ${p.from}::timestamptz - ${SEQ_SLACK}::interval ORDER BY created_at LIMIT 1),
             9223372036854775807) AS lo,
    coalesce((SELECT seq FROM journal_entries WHERE created_at >= ${p.to}::timestamptz + ${SEQ_SLACK}::interval ORDER BY created_at LIMIT 1),
             9223372036854775807) AS hi`;
}

/** The period's posted entries of the account, oldest first (both sides of the account merged by seq). */
function entriesQuery(sql: Queryable, p: StatementPeriod) {
  const side = (debit: boolean) => sql`
    SELECT j.* FROM journal_entries j, bounds b
    WHERE ${debit ? sql`j.debit_account_id` : sql`j.credit_account_id`} = ${p.accountId} AND j.seq BETWEEN b.lo AND b.hi
      AND j.kind IN ('posted', 'post_pending') AND j.created_at >= ${p.from} AND j.created_at < ${p.to}
    ORDER BY j.seq`;
  return sql<JournalEntry[]>`
    WITH bounds AS (SELECT ${seqBounds(sql, p)})
    SELECT * FROM ((${side(true)}) UNION ALL (${side(false)})) e
    ORDER BY e.seq`;
}

/** The balance when the period opens and the period's sums. */
export async function statementTotals(sql: Queryable, p: StatementPeriod): Promise<StatementTotals> {
  const accounts = sql`SELECT id, seq, currency FROM accounts WHERE id = ${p.accountId}`;
  const opening = countersAtQuery(sql, accounts, p.from, { inclusive: false, useSnapshots: true });
  const [row] = await sql<[StatementTotals]>`
    WITH o AS (${opening}),
         bounds AS (SELECT ${seqBounds(sql, p)}),
         e AS (
           SELECT j.debit_account_id, j.credit_account_id, j.amount FROM journal_entries j, bounds b
           WHERE (j.debit_account_id = ${p.accountId} OR j.credit_account_id = ${p.accountId}) AND j.seq BETWEEN b.lo AND b.hi
             AND j.kind IN ('posted', 'post_pending') AND j.created_at >= ${p.from} AND j.created_at < ${p.to}
         )
    SELECT (SELECT credits_posted - debits_posted FROM o) AS opening_balance,
           coalesce(sum(amount) FILTER (WHERE debit_account_id = ${p.accountId}), 0)::bigint AS total_debits,
           coalesce(sum(amount) FILTER (WHERE credit_account_id = ${p.accountId}), 0)::bigint AS total_credits,
           count(*)::bigint AS count
    FROM e`;
  return row;
}

/** The period's entries, at most `limit` (for the JSON statement). */
export async function statementEntries(sql: Queryable, p: StatementPeriod, limit: number): Promise<JournalEntry[]> {
  return sql<JournalEntry[]>`${entriesQuery(sql, p)} LIMIT ${limit}`;
}

/** The period's entries streamed from a server-side cursor, `batch` rows at a time (constant memory). */
export async function* streamStatementEntries(sql: Queryable, p: StatementPeriod, batch = 1000): AsyncGenerator<JournalEntry> {
  for await (const rows of entriesQuery(sql, p).cursor(batch)) {
    for (const row of rows) yield row;
  }
}
