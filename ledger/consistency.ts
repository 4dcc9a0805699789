import type { Queryable, Sql, TransactionSql } from './db';

/** The four counters of an account, as stored and as its journal says they should be. */
export interface CounterMismatch {
  accountId: string;
  stored: Counters;
  journal: Counters;
}

export interface Counters {
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
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

export async function findCounterMismatches(sql: Queryable, accountIds?: string[]): Promise<CounterMismatch[]> {
  return (await journalCounters(sql, accountIds, undefined)).filter(differs).map(toMismatch);
}

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

export interface InvariantReport {
  /** Currencies whose balances do not sum to zero (double entry broken). */
  unbalancedCurrencies: { currency: string; balanceSum: bigint; pendingDifference: bigint }[];
  counterMismatches: CounterMismatch[];
  /** Client accounts below zero available. */
  overdrawnAccounts: { id: string; available: bigint }[];
  /** Entries whose pending entry is not of kind pending, or resolved more than once. */
  badResolutions: { pendingId: string; count: bigint }[];
  /** Entries whose currency differs from an account's. */
  currencyMismatches: { id: string }[];
  ok: boolean;
}

/** The ledger invariants of docs/architecture.md, checked against the whole database. */
export async function checkInvariants(sql: Sql): Promise<InvariantReport> {
  const [unbalancedCurrencies, counterMismatches, overdrawnAccounts, badResolutions, currencyMismatches] = await Promise.all([
    sql<InvariantReport['unbalancedCurrencies']>`
      SELECT currency,
             sum(balance)::bigint AS balance_sum,
             sum(credits_pending - debits_pending)::bigint AS pending_difference
      FROM accounts GROUP BY currency
      HAVING sum(balance) <> 0 OR sum(credits_pending - debits_pending) <> 0`,
    findCounterMismatches(sql),
    sql<InvariantReport['overdrawnAccounts']>`
      SELECT id, available FROM accounts WHERE kind = 'client' AND available < 0`,
    sql<InvariantReport['badResolutions']>`
      SELECT r.pending_id, count(*)::bigint AS count
      FROM journal_entries r LEFT JOIN journal_entries p ON p.id = r.pending_id
      WHERE r.pending_id IS NOT NULL
      GROUP BY r.pending_id, p.kind
      HAVING count(*) > 1 OR p.kind IS DISTINCT FROM 'pending'`,
    sql<{ id: string }[]>`
      SELECT j.id FROM journal_entries j
      JOIN accounts d ON d.id = j.debit_account_id JOIN accounts c ON c.id = j.credit_account_id
      WHERE j.currency <> d.currency OR j.currency <> c.currency`,
  ]);
  const ok =
    unbalancedCurrencies.length === 0 &&
    counterMismatches.length === 0 &&
    overdrawnAccounts.length === 0 &&
    badResolutions.length === 0 &&
    currencyMismatches.length === 0;
  return { unbalancedCurrencies, counterMismatches, overdrawnAccounts, badResolutions, currencyMismatches, ok };
}

/** The report as readable JSON (bigints as strings), for logs and failed assertions. */
export function formatInvariantReport(report: InvariantReport): string {
  return JSON.stringify(report, (_key, value) => (typeof value === 'bigint' ? value.toString() : value), 2);
}
