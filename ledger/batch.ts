import { DomainError, ErrorCode } from '../domain/errors';
import type { Sql, TransactionSql } from './db';
import { type AccountFacts, availableDelta, existsWithDifferentFields, type Leg, type NewRow, planEntry, sameFields } from './entryRules';
import { isRetryable, loadFacts, recordEntries, storedError } from './journal';
import { countLedgerRetry } from './retryStats';
import type { EntryRequest, JournalEntry } from './types';

/** The most postings one batch may carry: bounds a transaction's locks and a statement's size. */
export const MAX_BATCH_SIZE = 8_000;

export type BatchResult = { ok: true; entry: JournalEntry; replayed: boolean } | { ok: false; error: DomainError };

export interface BatchOptions {
  /** All postings or none (the first refusal refuses the batch); default: each posting on its own. */
  atomic?: boolean;
}

const MAX_ATTEMPTS = 5;

/**
 * Many postings in one transaction and a fixed number of round trips, TigerBeetle's lesson:
 * amortise the commit. Each posting is still checked and idempotent under its id; by default a
 * refused posting refuses only itself (and stays refused, like a single entry).
 */
export async function recordBatch(sql: Sql, requests: EntryRequest[], options: BatchOptions = {}): Promise<BatchResult[]> {
  if (requests.length > MAX_BATCH_SIZE) {
    throw new DomainError(ErrorCode.VALIDATION_ERROR, `a batch holds at most ${MAX_BATCH_SIZE} postings`, { field: 'postings' });
  }
  if (requests.length === 0) return [];
  if (options.atomic) {
    try {
      const entries = await recordEntries(sql, requests);
      return entries.map((entry) => ({ ok: true, entry, replayed: false }));
    } catch (error) {
      if (error instanceof DomainError) return requests.map(() => ({ ok: false, error }));
      throw error;
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await sql.begin((tx) => writeIndependently(tx, requests));
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && isRetryable(error)) {
        countLedgerRetry('batch', error);
        continue;
      }
      throw error;
    }
  }
}

async function writeIndependently(tx: TransactionSql, requests: EntryRequest[]): Promise<BatchResult[]> {
  // Every touched account is locked in id order, so funds can be checked in memory, exactly.
  const { existing, rejections, facts } = await loadFacts(tx, requests, { lockAccounts: true });
  const results: (BatchResult | { accepted: number })[] = [];
  const rows: NewRow[] = [];
  const deltas = new Map<string, Leg>();
  const refusals: { id: string; error: DomainError }[] = [];
  const firstIndexOf = new Map<string, number>();

  requests.forEach((request, i) => {
    const stored = existing.get(request.id);
    if (stored) {
      results.push(
        sameFields(request, stored, facts.pendingById)
          ? { ok: true, entry: stored, replayed: true }
          : { ok: false, error: existsWithDifferentFields(request.id) },
      );
      return;
    }
    const refused = rejections.get(request.id);
    if (refused) {
      results.push({ ok: false, error: storedError(refused) });
      return;
    }
    const first = firstIndexOf.get(request.id);
    if (first !== undefined) {
      // The same id twice in one batch: the second is a repeat of the first.
      const same = JSON.stringify(requests[first], bigintSafe) === JSON.stringify(request, bigintSafe);
      results.push(
        same ? (results[first] as BatchResult | { accepted: number }) : { ok: false, error: existsWithDifferentFields(request.id) },
      );
      return;
    }
    firstIndexOf.set(request.id, i);

    const plan = planEntry(request, facts);
    if (!plan.ok) {
      refusals.push({ id: request.id, error: plan.error });
      results.push({ ok: false, error: plan.error });
      return;
    }
    const short = plan.legs.find((leg) => !affordable(facts.accountById.get(leg.accountId), leg));
    if (short) {
      const error = new DomainError(ErrorCode.INSUFFICIENT_FUNDS, `insufficient funds on account ${short.accountId}`, {
        accountId: short.accountId,
        entryId: request.id,
      });
      refusals.push({ id: request.id, error });
      results.push({ ok: false, error });
      return;
    }
    for (const leg of plan.legs) {
      const account = facts.accountById.get(leg.accountId) as AccountFacts;
      account.available = (account.available ?? 0n) + availableDelta(leg);
      const d = deltas.get(leg.accountId) ?? {
        accountId: leg.accountId,
        debitsPending: 0n,
        debitsPosted: 0n,
        creditsPending: 0n,
        creditsPosted: 0n,
      };
      d.debitsPending += leg.debitsPending;
      d.debitsPosted += leg.debitsPosted;
      d.creditsPending += leg.creditsPending;
      d.creditsPosted += leg.creditsPosted;
      deltas.set(leg.accountId, d);
    }
    results.push({ accepted: rows.length });
    rows.push(plan.row);
  });

  const [inserted] = await Promise.all([
    rows.length > 0 ? insertRows(tx, rows) : Promise.resolve([] as JournalEntry[]),
    deltas.size > 0 ? applyDeltas(tx, [...deltas.values()]) : Promise.resolve(),
    refusals.length > 0
      ? tx`
          INSERT INTO ledger_rejections (id, code, message, metadata)
          SELECT * FROM unnest(${refusals.map((r) => r.id)}::uuid[], ${refusals.map((r) => r.error.code)}::text[],
                               ${refusals.map((r) => r.error.message)}::text[], ${refusals.map((r) => JSON.stringify(r.error.metadata))}::jsonb[])
          ON CONFLICT (id) DO NOTHING`
      : Promise.resolve(),
  ]);
  const byId = new Map(inserted.map((e) => [e.id, e]));
  return results.map((result, i) => {
    if (!('accepted' in result)) return result;
    const entry = byId.get((requests[i] as EntryRequest).id);
    if (!entry) throw new Error('an accepted posting was not inserted');
    return { ok: true, entry, replayed: i !== firstIndexOf.get(entry.id) };
  });
}

/** Many rows as ten array parameters (a VALUES list would bind ten parameters per row). */
function insertRows(tx: TransactionSql, rows: NewRow[]) {
  const col = <T>(pick: (r: NewRow) => T) => rows.map(pick);
  return tx<JournalEntry[]>`
    INSERT INTO journal_entries (id, kind, debit_account_id, credit_account_id, amount, currency, pending_id, payment_id, transfer_id, description)
    SELECT * FROM unnest(
      ${col((r) => r.id)}::uuid[], ${col((r) => r.kind)}::text[], ${col((r) => r.debitAccountId)}::uuid[],
      ${col((r) => r.creditAccountId)}::uuid[], ${col((r) => r.amount.toString())}::text[]::bigint[], ${col((r) => r.currency)}::text[],
      ${col((r) => r.pendingId)}::uuid[], ${col((r) => r.paymentId)}::uuid[], ${col((r) => r.transferId)}::uuid[],
      ${col((r) => r.description)}::text[])
    RETURNING *`;
}

/** A client account may not go below zero available; internal accounts may. */
function affordable(account: AccountFacts | undefined, leg: Leg): boolean {
  const delta = availableDelta(leg);
  if (delta >= 0n || account?.kind !== 'client') return true;
  return (account.available ?? 0n) + delta >= 0n;
}

/** All counter changes in one statement; the rows are already locked. */
function applyDeltas(tx: TransactionSql, deltas: Leg[]) {
  const column = (pick: (d: Leg) => bigint) => deltas.map((d) => pick(d).toString());
  return tx`
    UPDATE accounts a SET
      debits_pending  = a.debits_pending  + d.debits_pending,
      debits_posted   = a.debits_posted   + d.debits_posted,
      credits_pending = a.credits_pending + d.credits_pending,
      credits_posted  = a.credits_posted  + d.credits_posted,
      updated_at = now()
    FROM unnest(
      ${deltas.map((d) => d.accountId)}::uuid[],
      ${column((d) => d.debitsPending)}::text[]::bigint[],
      ${column((d) => d.debitsPosted)}::text[]::bigint[],
      ${column((d) => d.creditsPending)}::text[]::bigint[],
      ${column((d) => d.creditsPosted)}::text[]::bigint[]
    ) AS d (id, debits_pending, debits_posted, credits_pending, credits_posted)
    WHERE a.id = d.id`;
}

const bigintSafe = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);
