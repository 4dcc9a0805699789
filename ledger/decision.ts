import assert from 'node:assert/strict';
import { DomainError, ErrorCode } from '../domain/errors';
import type { Sql, TransactionSql } from './db';
import {
  type AccountsAndHolds,
  affordable,
  availableDelta,
  existsWithDifferentFields,
  type Leg,
  type NewRow,
  planEntry,
  sameFields,
} from './entryRules';
import { readPriorState, storedError } from './priorState';
import type { RetrySite } from './retryStats';
import { isRetryable, retryingTransient } from './transientRetry';
import type { EntryRequest, JournalEntry } from './types';

/**
 * The one place that decides ledger writes. Every write goes through it: a single posting, a
 * transfer's hold with its fee, a batch, a group commit of many callers' writes. The fast path
 * (journal.ts) only ever writes what this code would write (test/integration/fastPath.test.ts).
 */

/**
 * One caller's entries, written all or none. Of one entry it is a single posting; a transfer's
 * hold with its fee is a write of two.
 */
export type AtomicWrite = EntryRequest[];

/** `replayed`: every entry of the write existed already (or was written earlier in the same transaction). */
export type WriteOutcome = { ok: true; entries: JournalEntry[]; replayed: boolean } | { ok: false; error: DomainError };

/** A read model written in the ledger's transaction, with the entries it belongs to. */
export type InTransaction = (tx: TransactionSql, entries: JournalEntry[]) => Promise<unknown>;

/** `repeatOf`: the ids of a write that repeats one accepted earlier in the same transaction. */
type Decision = WriteOutcome | { accepted: NewRow[] } | { repeatOf: string[] };

/**
 * Decides many writes in one transaction with a fixed number of round trips, TigerBeetle's
 * lesson: amortise the commit. Every account the writes touch is locked in id order first
 * (priorState.ts), so each write is decided in memory, exactly, in the order given, as if it
 * were alone: idempotent per entry id, funds checked on the write's net effect, a refused single
 * entry stays refused under its id, a refused write of several entries records nothing.
 */
export async function decideAndWrite(tx: TransactionSql, writes: AtomicWrite[]): Promise<WriteOutcome[]> {
  const { storedEntries, storedRejections, accountsAndHolds } = await readPriorState(tx, writes.flat());
  const { accountById, pendingById } = accountsAndHolds;
  const newRows: NewRow[] = [];
  const counterChanges = new Map<string, Leg>();
  const newRefusals: { id: string; error: DomainError }[] = [];
  /** Each id decided so far in this transaction, with the decision of its write. */
  const decisionById = new Map<string, { decision: Decision; single: boolean }>();
  const acceptedRowById = new Map<string, NewRow>();

  const decide = (write: AtomicWrite): Decision => {
    if (write.some((r) => storedEntries.has(r.id))) {
      // A repeat: every entry must be there with the same fields (the first write was atomic).
      const stored = write.map((r) => storedEntries.get(r.id));
      const different = write.find((r, i) => !stored[i] || !sameFields(r, stored[i] as JournalEntry, pendingById));
      if (different) return { ok: false, error: existsWithDifferentFields(different.id) };
      return { ok: true, entries: stored as JournalEntry[], replayed: true };
    }
    const refused = write.map((r) => storedRejections.get(r.id)).find((r) => r !== undefined);
    if (refused) return { ok: false, error: storedError(refused) };

    // An id decided earlier in this transaction (a retry racing its first attempt) is answered as
    // the write after that one would be: a repeat of what it wrote, or its refusal when it was a
    // single entry; a refused write of several wrote nothing, so this one is decided afresh.
    const earlier = write.map((r) => decisionById.get(r.id)).find((d) => d !== undefined);
    if (earlier && 'accepted' in earlier.decision) {
      const different = write.find((r) => {
        const row = acceptedRowById.get(r.id);
        return !row || !sameFields(r, row as JournalEntry, pendingById);
      });
      if (different) return { ok: false, error: existsWithDifferentFields(different.id) };
      return { repeatOf: write.map((r) => r.id) };
    }
    if (earlier?.single && !('repeatOf' in earlier.decision)) return earlier.decision;

    const plan = planWrite(write, accountsAndHolds);
    if (!plan.ok) {
      if (write.length === 1) newRefusals.push({ id: (write[0] as EntryRequest).id, error: plan.error });
      return plan;
    }
    // Accepted: later writes of this transaction see its holds resolved and its money moved.
    for (const row of plan.rows) {
      if (row.pendingId !== null) accountsAndHolds.resolvedPendingIds.add(row.pendingId);
      acceptedRowById.set(row.id, row);
    }
    for (const leg of plan.netLegs) {
      const account = accountById.get(leg.accountId);
      assert(account?.available !== undefined, `account ${leg.accountId} of an accepted write was not read under its lock`);
      account.available += availableDelta(leg);
      assert(account.kind !== 'client' || account.available >= 0n, `an accepted write takes client account ${account.id} below zero`);
      addLeg(counterChanges, leg);
    }
    newRows.push(...plan.rows);
    return { accepted: plan.rows };
  };

  const decisions: Decision[] = [];
  for (const write of writes) {
    const decision = decide(write);
    decisions.push(decision);
    for (const request of write) {
      // The first decision of an id stands, unless it was a refused write of several (it wrote nothing).
      const before = decisionById.get(request.id);
      const wroteNothing = before !== undefined && !before.single && 'ok' in before.decision && !before.decision.ok;
      if (!before || wroteNothing) decisionById.set(request.id, { decision, single: write.length === 1 });
    }
  }

  const [inserted] = await Promise.all([
    newRows.length > 0 ? insertRows(tx, newRows) : Promise.resolve([] as JournalEntry[]),
    counterChanges.size > 0 ? applyCounterChanges(tx, [...counterChanges.values()]) : Promise.resolve(),
    newRefusals.length > 0 ? insertRefusals(tx, newRefusals) : Promise.resolve(),
  ]);
  assert(inserted.length === newRows.length, `${newRows.length} accepted entries, ${inserted.length} inserted`);
  const insertedById = new Map(inserted.map((e) => [e.id, e]));
  const outcomeOf = (decision: Decision): WriteOutcome => {
    if (!('accepted' in decision) && !('repeatOf' in decision)) return decision;
    const ids = 'repeatOf' in decision ? decision.repeatOf : decision.accepted.map((row) => row.id);
    const entries = ids.map((id) => insertedById.get(id));
    assert(
      entries.every((e) => e !== undefined),
      'an accepted entry was not inserted',
    );
    return { ok: true, entries: entries as JournalEntry[], replayed: 'repeatOf' in decision };
  };
  return decisions.map(outcomeOf);
}

type WritePlan = { ok: true; rows: NewRow[]; netLegs: Leg[] } | { ok: false; error: DomainError };

/** A write's rows and its net change per account, or the first rule it breaks. Changes nothing. */
function planWrite(write: AtomicWrite, state: Readonly<AccountsAndHolds>): WritePlan {
  if (write.length === 1) {
    // Most writes are one entry: its legs are its net effect (no maps to build, a thousand times a batch).
    const plan = planEntry(write[0] as EntryRequest, state);
    if (!plan.ok) return plan;
    const short = plan.legs.find((leg) => !affordable(state.accountById.get(leg.accountId), leg));
    if (short) return { ok: false, error: insufficientFunds(short.accountId, plan.row.id) };
    return { ok: true, rows: [plan.row], netLegs: plan.legs };
  }
  const twice = write.find((r, i) => write.findIndex((other) => other.id === r.id) !== i);
  if (twice) {
    // Two entries cannot share an id: the second would be neither new nor a repeat of the first.
    return {
      ok: false,
      error: new DomainError(ErrorCode.VALIDATION_ERROR, `entry id ${twice.id} appears twice`, { field: 'id', entryId: twice.id }),
    };
  }
  const rows: NewRow[] = [];
  const net = new Map<string, Leg>();
  /** The first entry of the write that touches each account: named when the account is short. */
  const firstEntryOf = new Map<string, string>();
  const resolvedHere = new Set<string>();
  for (const request of write) {
    const plan = planEntry(request, state, resolvedHere);
    if (!plan.ok) return plan;
    if (plan.resolves !== null) resolvedHere.add(plan.resolves);
    rows.push(plan.row);
    for (const leg of plan.legs) {
      addLeg(net, leg);
      if (!firstEntryOf.has(leg.accountId)) firstEntryOf.set(leg.accountId, request.id);
    }
  }
  const short = [...net.values()].find((leg) => !affordable(state.accountById.get(leg.accountId), leg));
  if (short) return { ok: false, error: insufficientFunds(short.accountId, firstEntryOf.get(short.accountId) as string) };
  return { ok: true, rows, netLegs: [...net.values()] };
}

const insufficientFunds = (accountId: string, entryId: string) =>
  new DomainError(ErrorCode.INSUFFICIENT_FUNDS, `insufficient funds on account ${accountId}`, { accountId, entryId });

function addLeg(into: Map<string, Leg>, leg: Leg) {
  const sum = into.get(leg.accountId) ?? {
    accountId: leg.accountId,
    debitsPending: 0n,
    debitsPosted: 0n,
    creditsPending: 0n,
    creditsPosted: 0n,
  };
  sum.debitsPending += leg.debitsPending;
  sum.debitsPosted += leg.debitsPosted;
  sum.creditsPending += leg.creditsPending;
  sum.creditsPosted += leg.creditsPosted;
  into.set(leg.accountId, sum);
}

/** Many rows as eleven array parameters (a VALUES list would bind eleven parameters per row). */
async function insertRows(tx: TransactionSql, rows: NewRow[]): Promise<JournalEntry[]> {
  const col = <T>(pick: (r: NewRow) => T) => rows.map(pick);
  // Only what the database adds comes back: parsing a thousand whole rows again cost a tenth of a batch.
  const added = await tx<{ id: string; seq: bigint; createdAt: Date }[]>`
    INSERT INTO journal_entries (id, kind, debit_account_id, credit_account_id, amount, currency, pending_id, payment_id, transfer_id,
                                 description, reversal_of)
    SELECT * FROM unnest(
      ${col((r) => r.id)}::uuid[], ${col((r) => r.kind)}::text[], ${col((r) => r.debitAccountId)}::uuid[],
      ${col((r) => r.creditAccountId)}::uuid[], ${col((r) => r.amount.toString())}::text[]::bigint[], ${col((r) => r.currency)}::text[],
      ${col((r) => r.pendingId)}::uuid[], ${col((r) => r.paymentId)}::uuid[], ${col((r) => r.transferId)}::uuid[],
      ${col((r) => r.description)}::text[], ${col((r) => r.reversalOf ?? null)}::uuid[])
    RETURNING id, seq, created_at`;
  const byId = new Map(rows.map((row) => [row.id, row]));
  // Object.assign, not a spread: the rows are ours, and a spread per row was measurable in a batch.
  return added.map(({ id, seq, createdAt }) => Object.assign(byId.get(id) as NewRow, { seq, createdAt }));
}

/** All counter changes in one statement; the rows are locked already (readPriorState). */
async function applyCounterChanges(tx: TransactionSql, changes: Leg[]): Promise<void> {
  const column = (pick: (d: Leg) => bigint) => changes.map((d) => pick(d).toString());
  const updated = await tx`
    UPDATE accounts a SET
      debits_pending  = a.debits_pending  + d.debits_pending,
      debits_posted   = a.debits_posted   + d.debits_posted,
      credits_pending = a.credits_pending + d.credits_pending,
      credits_posted  = a.credits_posted  + d.credits_posted,
      updated_at = now()
    FROM unnest(
      ${changes.map((d) => d.accountId)}::uuid[],
      ${column((d) => d.debitsPending)}::text[]::bigint[],
      ${column((d) => d.debitsPosted)}::text[]::bigint[],
      ${column((d) => d.creditsPending)}::text[]::bigint[],
      ${column((d) => d.creditsPosted)}::text[]::bigint[]
    ) AS d (id, debits_pending, debits_posted, credits_pending, credits_posted)
    WHERE a.id = d.id`;
  assert(updated.count === changes.length, `${changes.length} accounts to change, ${updated.count} updated`);
}

/** Refusals of single entries, kept under their ids. */
function insertRefusals(tx: TransactionSql, refusals: { id: string; error: DomainError }[]) {
  return tx`
    INSERT INTO ledger_rejections (id, code, message, metadata)
    SELECT * FROM unnest(${refusals.map((r) => r.id)}::uuid[], ${refusals.map((r) => r.error.code)}::text[],
                         ${refusals.map((r) => r.error.message)}::text[], ${refusals.map((r) => JSON.stringify(r.error.metadata))}::jsonb[])
    ON CONFLICT (id) DO NOTHING`;
}

/** A write with the read model that commits with it (journal.ts `RecordOptions.inTransaction`). */
export interface WriteWithReadModel {
  write: AtomicWrite;
  inTransaction: InTransaction | undefined;
}

/** The read model of the write at this index failed (with `cause`); the transaction rolled back. */
export class ReadModelFailed extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(`the read model of write ${index} failed`);
  }
}

/**
 * decideAndWrite in a transaction of its own, each accepted write's read model run in it, retried
 * while it meets a deadlock or a racing writer. A repeat does not write its read model again.
 */
export function decideInTransaction(sql: Sql, writes: WriteWithReadModel[], site: RetrySite): Promise<WriteOutcome[]> {
  return retryingTransient(site, () =>
    sql.begin(async (tx) => {
      const outcomes = await decideAndWrite(
        tx,
        writes.map((w) => w.write),
      );
      assert(outcomes.length === writes.length, `${writes.length} writes, ${outcomes.length} outcomes`);
      for (const [i, outcome] of outcomes.entries()) {
        const readModel = writes[i]?.inTransaction;
        if (!outcome.ok || outcome.replayed || !readModel) continue;
        try {
          await readModel(tx, outcome.entries);
        } catch (error) {
          if (isRetryable(error)) throw error;
          throw new ReadModelFailed(i, error);
        }
      }
      return outcomes;
    }),
  );
}
