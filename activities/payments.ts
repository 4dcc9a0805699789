import { derivedId } from '../domain/ids';
import type { Sql } from '../ledger/db';
import { releaseHoldsOf, requireDebitable } from '../ledger/holds';
import { recordEntry } from '../ledger/journal';
import { insertPayment, setPaymentStatus } from '../store/payments';
import { withBusinessFailures } from './failures';

/**
 * Ledger entry ids are derived from a key the workflow builds from its id and the step
 * (`payment-<id>/pend/1`), so a retried or duplicated activity writes the same entry again,
 * which the ledger answers with the stored one.
 */
export const entryIdFor = (entryKey: string) => derivedId('ledger-entry', entryKey);

export interface PaymentRecord {
  paymentId: string;
  debitAccountId: string;
  creditAccountId: string;
  amountMinor: string;
  currency: string;
  description: string | null;
  reference: string | null;
}

export interface CreatePaymentInput extends PaymentRecord {
  /** Set for a payment created at once: the posted entry moves the money with the record. */
  postEntryKey: string | null;
}

export interface HoldInput {
  paymentId: string;
  entryKey: string;
  record: PaymentRecord;
  holdExpiresAt: string;
}

export interface SettleInput {
  paymentId: string;
  entryKey: string;
  pendingEntryKey: string;
}

export interface ReleaseInput {
  paymentId: string;
  /** Unset when a Draft is cancelled: no hold to release. */
  entryKey: string | null;
  pendingEntryKey: string | null;
  reason: string | null;
}

export function createPaymentActivities({ sql }: { sql: Sql }) {
  /** Records the payment (Draft, or Posted together with its entry) in one transaction. */
  async function createPayment(input: CreatePaymentInput): Promise<void> {
    const amount = BigInt(input.amountMinor);
    const payment = {
      id: input.paymentId,
      debitAccountId: input.debitAccountId,
      creditAccountId: input.creditAccountId,
      amount,
      currency: input.currency,
      description: input.description,
      reference: input.reference,
      holdExpiresAt: null,
    };
    if (input.postEntryKey === null) {
      await insertPayment(sql, { ...payment, status: 'Draft' });
      return;
    }
    await recordEntry(
      sql,
      {
        kind: 'posted',
        id: entryIdFor(input.postEntryKey),
        debitAccountId: input.debitAccountId,
        creditAccountId: input.creditAccountId,
        amount,
        currency: input.currency,
        paymentId: input.paymentId,
        description: input.description,
      },
      { inTransaction: (tx) => insertPayment(tx, { ...payment, status: 'Posted' }) },
    );
  }

  /** Holds the funds on the debit account: a pending entry, and the payment becomes Pending. */
  async function holdPayment(input: HoldInput): Promise<void> {
    const { record } = input;
    await recordEntry(
      sql,
      {
        kind: 'pending',
        id: entryIdFor(input.entryKey),
        debitAccountId: record.debitAccountId,
        creditAccountId: record.creditAccountId,
        amount: BigInt(record.amountMinor),
        currency: record.currency,
        paymentId: input.paymentId,
        description: record.description,
      },
      {
        inTransaction: (tx) => setPaymentStatus(tx, input.paymentId, { status: 'Pending', holdExpiresAt: new Date(input.holdExpiresAt) }),
      },
    );
  }

  /** Posts the held funds: withdrawn from the debit account, deposited to the credit account. */
  async function settlePayment(input: SettleInput): Promise<void> {
    await recordEntry(
      sql,
      { kind: 'post_pending', id: entryIdFor(input.entryKey), pendingId: entryIdFor(input.pendingEntryKey) },
      {
        // docs/api.md: posting is refused while the client or the debit account is blocked, and changes
        // nothing (the hold stays). Checked under the row lock the post took (ledger/holds.ts).
        inTransaction: async (tx, [posted]) => {
          if (posted) await requireDebitable(tx, posted.debitAccountId);
          await setPaymentStatus(tx, input.paymentId, { status: 'Posted' });
        },
      },
    );
  }

  /**
   * Cancels the payment and voids every hold it has in the ledger (the payback): the one the
   * workflow knows of under its own void id, and any the workflow never learned of (a hold whose
   * answer was lost) under ids derived from the hold.
   */
  async function releasePayment(input: ReleaseInput): Promise<void> {
    const knownVoidIds = new Map<string, string>();
    if (input.entryKey !== null && input.pendingEntryKey !== null)
      knownVoidIds.set(entryIdFor(input.pendingEntryKey), entryIdFor(input.entryKey));
    await releaseHoldsOf(
      sql,
      { paymentId: input.paymentId },
      {
        knownVoidIds,
        inTransaction: (tx) => setPaymentStatus(tx, input.paymentId, { status: 'Cancelled', cancelReason: input.reason }),
      },
    );
  }

  return {
    createPayment: withBusinessFailures(createPayment),
    holdPayment: withBusinessFailures(holdPayment),
    settlePayment: withBusinessFailures(settlePayment),
    releasePayment: withBusinessFailures(releasePayment),
  };
}
