import { DomainError, ErrorCode } from '../domain/errors';
import type { TransactionSql } from './db';
import {
  type AccountFacts,
  availableDelta,
  type EntryFacts,
  existsWithDifferentFields,
  type Leg,
  type NewRow,
  planEntry,
  sameFields,
} from './entryRules';
import { loadFacts, storedError } from './facts';
import type { EntryRequest, JournalEntry } from './types';

/**
 * One caller's entries, all of them or none: the unit a batch or a group commit decides on. A
 * unit of one entry is a single posting; a transfer's hold with its fee is a unit of two.
 */
export type Unit = EntryRequest[];

/** `replayed`: every entry of the unit existed already (or earlier in the same call). */
export type UnitResult = { ok: true; entries: JournalEntry[]; replayed: boolean } | { ok: false; error: DomainError };

/** `repeat`: the ids of a unit that repeats one accepted earlier in the same call. */
type Decision = UnitResult | { accepted: NewRow[] } | { repeat: string[] };

/**
 * Many units in one transaction and a fixed number of round trips, TigerBeetle's lesson: amortise
 * the commit. Every account the units touch is locked in id order first, so each unit is decided in
 * memory, exactly, in the order given, with the same rules and answers as a write of its own
 * (journal.ts `recordEntries`): idempotent per entry id, funds checked on the unit's net effect, a
 * refused single entry stays refused under its id, a refused unit of several records nothing.
 */
export async function writeUnits(tx: TransactionSql, units: Unit[]): Promise<UnitResult[]> {
  const { existing, rejections, facts } = await loadFacts(tx, units.flat(), { lockAccounts: true });
  const rows: NewRow[] = [];
  const deltas = new Map<string, Leg>();
  const refusals: { id: string; error: DomainError }[] = [];
  /** Each id decided so far in this call, with the decision of its unit. */
  const decidedIds = new Map<string, { decision: Decision; single: boolean }>();
  const accepted = new Map<string, NewRow>();

  const decide = (unit: Unit): Decision => {
    if (unit.some((r) => existing.has(r.id))) {
      // A repeat: every entry must be there with the same fields (the first write was atomic).
      const stored = unit.map((r) => existing.get(r.id));
      const different = unit.find((r, i) => !stored[i] || !sameFields(r, stored[i] as JournalEntry, facts.pendingById));
      if (different) return { ok: false, error: existsWithDifferentFields(different.id) };
      return { ok: true, entries: stored as JournalEntry[], replayed: true };
    }
    const refused = unit.map((r) => rejections.get(r.id)).find((r) => r !== undefined);
    if (refused) return { ok: false, error: storedError(refused) };

    // An id decided earlier in this call (a retry racing its first attempt) is answered as the
    // write after that one would be: a repeat of what it wrote, or its refusal when it was a single
    // entry; a refused unit of several wrote nothing, so this one is decided afresh.
    const earlier = unit.map((r) => decidedIds.get(r.id)).find((d) => d !== undefined);
    if (earlier && 'accepted' in earlier.decision) {
      const different = unit.find((r) => {
        const row = accepted.get(r.id);
        return !row || !sameFields(r, row as JournalEntry, facts.pendingById);
      });
      if (different) return { ok: false, error: existsWithDifferentFields(different.id) };
      return { repeat: unit.map((r) => r.id) };
    }
    if (earlier?.single && !('repeat' in earlier.decision)) return earlier.decision;

    const planned = planUnit(unit, facts);
    if (!planned.ok) {
      if (unit.length === 1) refusals.push({ id: (unit[0] as EntryRequest).id, error: planned.error });
      return planned;
    }
    for (const leg of planned.legs) {
      const account = facts.accountById.get(leg.accountId) as AccountFacts;
      account.available = (account.available ?? 0n) + availableDelta(leg);
      addLeg(deltas, leg);
    }
    rows.push(...planned.rows);
    for (const row of planned.rows) accepted.set(row.id, row);
    return { accepted: planned.rows };
  };
  const decisions: Decision[] = [];
  for (const unit of units) {
    const decision = decide(unit);
    decisions.push(decision);
    for (const request of unit) {
      // The first decision of an id stands, unless it was a refused unit of several (it wrote nothing).
      const before = decidedIds.get(request.id);
      const wroteNothing = before !== undefined && !before.single && 'ok' in before.decision && !before.decision.ok;
      if (!before || wroteNothing) decidedIds.set(request.id, { decision, single: unit.length === 1 });
    }
  }

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
  const resultOf = (decision: Decision): UnitResult => {
    if (!('accepted' in decision) && !('repeat' in decision)) return decision;
    const ids = 'repeat' in decision ? decision.repeat : decision.accepted.map((row) => row.id);
    const entries = ids.map((id) => byId.get(id));
    if (entries.some((e) => e === undefined)) throw new Error('an accepted entry was not inserted');
    return { ok: true, entries: entries as JournalEntry[], replayed: 'repeat' in decision };
  };
  return decisions.map(resultOf);
}

type UnitPlan = { ok: true; rows: NewRow[]; legs: Leg[] } | { ok: false; error: DomainError };

/**
 * A unit's rows and its net change per account, or the first rule it breaks. A refused unit did
 * not happen: the holds it marked resolved in `facts` are unmarked again.
 */
function planUnit(unit: Unit, facts: EntryFacts): UnitPlan {
  const rows: NewRow[] = [];
  const net = new Map<string, Leg>();
  const blame = new Map<string, string>();
  const resolvedHere: string[] = [];
  const refuse = (error: DomainError): UnitPlan => {
    for (const pendingId of resolvedHere) facts.resolvedPendingIds.delete(pendingId);
    return { ok: false, error };
  };
  if (unit.length === 1) {
    // Most units are one entry: its legs are its net effect (no maps to build, a thousand times a batch).
    const entry = planEntry(unit[0] as EntryRequest, facts);
    if (!entry.ok) return entry;
    const short = entry.legs.find((leg) => !affordable(facts.accountById.get(leg.accountId), leg));
    if (!short) return { ok: true, rows: [entry.row], legs: entry.legs };
    if (entry.row.pendingId) facts.resolvedPendingIds.delete(entry.row.pendingId);
    return { ok: false, error: insufficientFunds(short.accountId, entry.row.id) };
  }
  for (const request of unit) {
    const wasResolved = 'pendingId' in request && facts.resolvedPendingIds.has(request.pendingId);
    const entry = planEntry(request, facts);
    if (!entry.ok) return refuse(entry.error);
    if ('pendingId' in request && !wasResolved) resolvedHere.push(request.pendingId);
    rows.push(entry.row);
    for (const leg of entry.legs) {
      addLeg(net, leg);
      if (!blame.has(leg.accountId)) blame.set(leg.accountId, request.id);
    }
  }
  const short = [...net.values()].find((leg) => !affordable(facts.accountById.get(leg.accountId), leg));
  if (short) {
    return refuse(insufficientFunds(short.accountId, blame.get(short.accountId) as string));
  }
  return { ok: true, rows, legs: [...net.values()] };
}

const insufficientFunds = (accountId: string, entryId: string) =>
  new DomainError(ErrorCode.INSUFFICIENT_FUNDS, `insufficient funds on account ${accountId}`, { accountId, entryId });

function addLeg(into: Map<string, Leg>, leg: Leg) {
  const d = into.get(leg.accountId) ?? {
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
  into.set(leg.accountId, d);
}

/** A client account may not go below zero available; internal accounts may; money coming in always lands. */
function affordable(account: AccountFacts | undefined, leg: Leg): boolean {
  const delta = availableDelta(leg);
  if (delta >= 0n || account?.kind !== 'client') return true;
  return (account.available ?? 0n) + delta >= 0n;
}

/** Many rows as ten array parameters (a VALUES list would bind ten parameters per row). */
async function insertRows(tx: TransactionSql, rows: NewRow[]): Promise<JournalEntry[]> {
  const col = <T>(pick: (r: NewRow) => T) => rows.map(pick);
  // Only what the database adds comes back: parsing a thousand whole rows again cost a tenth of a batch.
  const added = await tx<{ id: string; seq: bigint; createdAt: Date }[]>`
    INSERT INTO journal_entries (id, kind, debit_account_id, credit_account_id, amount, currency, pending_id, payment_id, transfer_id, description)
    SELECT * FROM unnest(
      ${col((r) => r.id)}::uuid[], ${col((r) => r.kind)}::text[], ${col((r) => r.debitAccountId)}::uuid[],
      ${col((r) => r.creditAccountId)}::uuid[], ${col((r) => r.amount.toString())}::text[]::bigint[], ${col((r) => r.currency)}::text[],
      ${col((r) => r.pendingId)}::uuid[], ${col((r) => r.paymentId)}::uuid[], ${col((r) => r.transferId)}::uuid[],
      ${col((r) => r.description)}::text[])
    RETURNING id, seq, created_at`;
  const byId = new Map(rows.map((row) => [row.id, row]));
  return added.map(({ id, seq, createdAt }) => Object.assign(byId.get(id) as NewRow, { seq, createdAt }));
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
