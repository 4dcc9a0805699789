import type { Queryable, TransactionSql } from './db';
import type { Counters } from './types';

/**
 * Counters as the journal says they should be: for a moment in the past (statements, snapshots)
 * and to rebuild stored counters that drifted. Whether they drifted is checks.ts's to say.
 */

/** The four counters of an account, as stored and as its journal says they should be. */
export interface CounterMismatch {
  accountId: string;
  stored: Counters;
  journal: Counters;
}

interface CounterRow {
  accountId: string;
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
  journalDebitsPending: bigint;
  journalDebitsPosted: bigint;
  journalCreditsPending: bigint;
  journalCreditsPosted: bigint;
}

/**
 * Counters derived from the journal for the given accounts (all when undefined), as of a moment
 * (now when undefined). A pending entry counts as pending until an entry resolves it; a
 * post_pending counts as posted.
 */
function journalCounters(sql: Queryable, accountIds: string[] | undefined, asOf: Date | undefined) {
  const visible = asOf === undefined ? sql`TRUE` : sql`created_at <= ${asOf}`;
  const accountFilter = accountIds === undefined ? sql`TRUE` : sql`a.id = ANY(${accountIds}::uuid[])`;
  return sql<CounterRow[]>`
    WITH entries AS (
      SELECT * FROM journal_entries WHERE ${visible}
    ), open_pending AS (
      SELECT p.* FROM entries p
      WHERE p.kind = 'pending' AND NOT EXISTS (SELECT 1 FROM entries r WHERE r.pending_id = p.id)
    ), legs (account_id, debits_pending, debits_posted, credits_pending, credits_posted) AS (
      SELECT debit_account_id, 0, amount, 0, 0 FROM entries WHERE kind IN ('posted', 'post_pending')
      UNION ALL SELECT credit_account_id, 0, 0, 0, amount FROM entries WHERE kind IN ('posted', 'post_pending')
      UNION ALL SELECT debit_account_id, amount, 0, 0, 0 FROM open_pending
      UNION ALL SELECT credit_account_id, 0, 0, amount, 0 FROM open_pending
    )
    SELECT a.id AS account_id,
           a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted,
           coalesce(sum(l.debits_pending), 0)::bigint  AS journal_debits_pending,
           coalesce(sum(l.debits_posted), 0)::bigint   AS journal_debits_posted,
           coalesce(sum(l.credits_pending), 0)::bigint AS journal_credits_pending,
           coalesce(sum(l.credits_posted), 0)::bigint  AS journal_credits_posted
    FROM accounts a LEFT JOIN legs l ON l.account_id = a.id
    WHERE ${accountFilter}
    GROUP BY a.id
    ORDER BY a.id`;
}

const toMismatch = (row: CounterRow): CounterMismatch => ({
  accountId: row.accountId,
  stored: {
    debitsPending: row.debitsPending,
    debitsPosted: row.debitsPosted,
    creditsPending: row.creditsPending,
    creditsPosted: row.creditsPosted,
  },
  journal: {
    debitsPending: row.journalDebitsPending,
    debitsPosted: row.journalDebitsPosted,
    creditsPending: row.journalCreditsPending,
    creditsPosted: row.journalCreditsPosted,
  },
});

const differs = (r: CounterRow) =>
  r.debitsPending !== r.journalDebitsPending ||
  r.debitsPosted !== r.journalDebitsPosted ||
  r.creditsPending !== r.journalCreditsPending ||
  r.creditsPosted !== r.journalCreditsPosted;

/**
 * Rebuilds stored counters from the journal. The accounts are locked (in id order, like every
 * ledger write) while they are compared, so no posting slips in between. Returns what differed.
 */
export async function recalculateCounters(sql: Queryable, accountIds?: string[]): Promise<CounterMismatch[]> {
  // Inside a caller's transaction a savepoint, else a transaction of its own.
  const atomically = 'savepoint' in sql ? sql.savepoint.bind(sql) : sql.begin.bind(sql);
  return atomically(async (tx: TransactionSql) => {
    const scope = accountIds === undefined ? tx`TRUE` : tx`id = ANY(${accountIds}::uuid[])`;
    await tx`SELECT id FROM accounts WHERE ${scope} ORDER BY id FOR UPDATE`;
    const mismatches = (await journalCounters(tx, accountIds, undefined)).filter(differs).map(toMismatch);
    for (const m of mismatches) {
      await tx`
        UPDATE accounts SET
          debits_pending = ${m.journal.debitsPending}, debits_posted = ${m.journal.debitsPosted},
          credits_pending = ${m.journal.creditsPending}, credits_posted = ${m.journal.creditsPosted},
          updated_at = now()
        WHERE id = ${m.accountId}`;
    }
    return mismatches;
  });
}

/** Counters of the accounts as the journal stood at `asOf`. */
export async function countersAsOf(
  sql: Queryable,
  accountIds: string[] | undefined,
  asOf: Date,
): Promise<(Counters & { accountId: string })[]> {
  const rows = await journalCounters(sql, accountIds, asOf);
  return rows.map((r) => ({
    accountId: r.accountId,
    debitsPending: r.journalDebitsPending,
    debitsPosted: r.journalDebitsPosted,
    creditsPending: r.journalCreditsPending,
    creditsPosted: r.journalCreditsPosted,
  }));
}
