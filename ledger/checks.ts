import type { Queryable } from './db';
import { countersAtQuery } from './snapshots';

/**
 * The ledger's invariants, the one module that states them: read-only checks, each returning its
 * offending rows (at most `limit`). The daily check (activities/ledgerOperations.ts) runs them by
 * name and stores what they find; checkInvariants runs them all at once (tests after every suite,
 * the fault and restore runs, ops/reconcile.ts).
 */

/** Later than any entry: counters "as of" it are the journal's totals. */
const END_OF_TIME = new Date('9999-12-31T00:00:00Z');

/** Currencies whose accounts' balances (or pending amounts) do not sum to zero. */
export function unbalancedCurrencies(sql: Queryable, limit: number) {
  return sql<{ currency: string; balanceSum: bigint; pendingDifference: bigint }[]>`
    SELECT currency, sum(balance)::bigint AS balance_sum, sum(credits_pending - debits_pending)::bigint AS pending_difference
    FROM accounts GROUP BY currency
    HAVING sum(balance) <> 0 OR sum(credits_pending - debits_pending) <> 0
    ORDER BY currency LIMIT ${limit}`;
}

export interface CounterMismatchRow {
  accountId: string;
  currency: string;
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
 * Compares the stored counters of the next `limit` accounts (by seq, after `afterSeq`) with their
 * journal, in one statement (one snapshot of both). Each account's entries are read through its
 * indexes, so a pass over every account in batches reads the journal about twice in all.
 */
export async function counterMismatchesInBatch(sql: Queryable, afterSeq: string, limit: number) {
  const batch = await sql<{ seq: bigint }[]>`SELECT seq FROM accounts WHERE seq > ${afterSeq}::bigint ORDER BY seq LIMIT ${limit}`;
  const last = batch[batch.length - 1];
  if (!last) return { count: 0, lastSeq: null, mismatches: [] as CounterMismatchRow[] };
  const accounts = sql`SELECT id, seq, currency FROM accounts WHERE seq > ${afterSeq}::bigint AND seq <= ${last.seq}`;
  const mismatches = await sql<CounterMismatchRow[]>`
    WITH j AS (${countersAtQuery(sql, accounts, END_OF_TIME, { inclusive: true, useSnapshots: false })})
    SELECT a.id AS account_id, a.currency, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted,
           j.debits_pending AS journal_debits_pending, j.debits_posted AS journal_debits_posted,
           j.credits_pending AS journal_credits_pending, j.credits_posted AS journal_credits_posted
    FROM accounts a JOIN j ON j.account_id = a.id
    WHERE (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
          IS DISTINCT FROM (j.debits_pending, j.debits_posted, j.credits_pending, j.credits_posted)
    ORDER BY a.seq`;
  return { count: batch.length, lastSeq: String(last.seq), mismatches };
}

/** Client accounts below zero available. */
export function clientsBelowZero(sql: Queryable, limit: number) {
  return sql<{ accountId: string; currency: string; available: bigint }[]>`
    SELECT id AS account_id, currency, available FROM accounts WHERE kind = 'client' AND available < 0 ORDER BY seq LIMIT ${limit}`;
}

/** Entries whose currency differs from one of their accounts'. */
export function currencyMismatches(sql: Queryable, limit: number) {
  return sql<{ id: string; currency: string }[]>`
    SELECT j.id, j.currency FROM journal_entries j
    JOIN accounts d ON d.id = j.debit_account_id JOIN accounts c ON c.id = j.credit_account_id
    WHERE j.currency <> d.currency OR j.currency <> c.currency
    LIMIT ${limit}`;
}

/** Pending entries resolved more than once, and resolutions of something that is not a pending entry. */
export function badResolutions(sql: Queryable, limit: number) {
  return sql<{ pendingId: string; pendingKind: string | null; resolutions: bigint }[]>`
    SELECT r.pending_id, p.kind AS pending_kind, count(*)::bigint AS resolutions
    FROM journal_entries r LEFT JOIN journal_entries p ON p.id = r.pending_id
    WHERE r.pending_id IS NOT NULL
    GROUP BY r.pending_id, p.kind
    HAVING count(*) > 1 OR p.kind IS DISTINCT FROM 'pending'
    LIMIT ${limit}`;
}

/** Accounts whose counters differ from their journal, over every account (at most `limit` found). */
export async function allCounterMismatches(sql: Queryable, limit: number): Promise<CounterMismatchRow[]> {
  const found: CounterMismatchRow[] = [];
  let afterSeq = '0';
  for (;;) {
    const batch = await counterMismatchesInBatch(sql, afterSeq, COUNTER_BATCH);
    found.push(...batch.mismatches);
    if (batch.lastSeq === null || batch.count < COUNTER_BATCH || found.length >= limit) return found.slice(0, limit);
    afterSeq = batch.lastSeq;
  }
}

/** Accounts compared per statement by allCounterMismatches. */
const COUNTER_BATCH = 5_000;

/** Offending rows a whole-ledger report lists per invariant (any one breaks it). */
const REPORT_LIMIT = 100;

export interface InvariantReport {
  /** Currencies whose balances do not sum to zero (double entry broken). */
  unbalancedCurrencies: Awaited<ReturnType<typeof unbalancedCurrencies>>;
  counterMismatches: CounterMismatchRow[];
  /** Client accounts below zero available. */
  overdrawnAccounts: Awaited<ReturnType<typeof clientsBelowZero>>;
  /** Entries whose pending entry is not of kind pending, or resolved more than once. */
  badResolutions: Awaited<ReturnType<typeof badResolutions>>;
  /** Entries whose currency differs from an account's. */
  currencyMismatches: Awaited<ReturnType<typeof currencyMismatches>>;
  ok: boolean;
}

/** Every ledger invariant against the whole database. */
export async function checkInvariants(sql: Queryable): Promise<InvariantReport> {
  const [unbalanced, counters, overdrawn, resolutions, currencies] = await Promise.all([
    unbalancedCurrencies(sql, REPORT_LIMIT),
    allCounterMismatches(sql, REPORT_LIMIT),
    clientsBelowZero(sql, REPORT_LIMIT),
    badResolutions(sql, REPORT_LIMIT),
    currencyMismatches(sql, REPORT_LIMIT),
  ]);
  const ok = [unbalanced, counters, overdrawn, resolutions, currencies].every((rows) => rows.length === 0);
  return {
    unbalancedCurrencies: unbalanced,
    counterMismatches: counters,
    overdrawnAccounts: overdrawn,
    badResolutions: resolutions,
    currencyMismatches: currencies,
    ok,
  };
}

/** The report as readable JSON (bigints as strings), for logs and failed assertions. */
export function formatInvariantReport(report: InvariantReport): string {
  return JSON.stringify(report, (_key, value) => (typeof value === 'bigint' ? value.toString() : value), 2);
}
