import type { Currency } from '../domain/currency';

/** The ledger's own types: what the journal stores and what callers ask it to record. */

export type EntryKind = 'posted' | 'pending' | 'post_pending' | 'void_pending';

/** One immutable row of the journal. */
export interface JournalEntry {
  id: string;
  seq: bigint;
  kind: EntryKind;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  currency: Currency;
  pendingId: string | null;
  paymentId: string | null;
  transferId: string | null;
  description: string | null;
  /** The entry this one reverses (a payment's reversal), else null. */
  reversalOf?: string | null;
  createdAt: Date;
}

export interface EntryLinks {
  paymentId?: string | null;
  transferId?: string | null;
  description?: string | null;
  /** Set on a reversal: the entry it reverses (only movements carry it). */
  reversalOf?: string | null;
}

/** A money movement: moves at once (`posted`) or holds the amount (`pending`). */
export interface MovementRequest extends EntryLinks {
  kind: 'posted' | 'pending';
  /** Chosen by the caller; activities derive it from the workflow id and step. */
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  currency: Currency;
}

/** Settles a pending entry (`amount` defaults to all of it; the rest is released) or voids it. */
export interface ResolutionRequest extends EntryLinks {
  kind: 'post_pending' | 'void_pending';
  id: string;
  pendingId: string;
  amount?: bigint;
}

export type EntryRequest = MovementRequest | ResolutionRequest;

/** The four counters of an account. */
export interface Counters {
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
}
