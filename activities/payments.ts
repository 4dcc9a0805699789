import type { PaymentInput } from '../contract/types';
import type { Caller } from '../domain/caller';
import { derivedId } from '../domain/ids';
import type { Sql, TransactionSql } from '../ledger/db';
import { releaseHoldsOf, requireDebitable } from '../ledger/holds';
import { recordEntry } from '../ledger/journal';
import { recordAudit } from '../store/audit';
import { insertPayment, setPaymentStatus } from '../store/payments';
import { withBusinessFailures } from './failures';

/**
 * Ledger entry ids are derived from a key the workflow builds from its id and the step
 * (`payment-<id>/pend/1`), so a retried or duplicated activity writes the same entry again,
 * which the ledger answers with the stored one.
 */
export const entryIdFor = (entryKey: string) => derivedId('ledger-entry', entryKey);

/** What a payment's ledger steps need of its workflow input. */
export type PaymentRecord = Pick<
  PaymentInput,
  'paymentId' | 'debitAccountId' | 'creditAccountId' | 'amountMinor' | 'currency' | 'description' | 'reference'
>;

export interface CreatePaymentInput extends PaymentRecord {
  /** Set for a payment created at once: the posted entry moves the money with the record. */
  postEntryKey: string | null;
  /** Who started it (unset for runs from before it was recorded). */
  createdBy?: Caller;
  note?: string | null;
}

export interface HoldInput {
  paymentId: string;
  entryKey: string;
  record: PaymentRecord;
  holdExpiresAt: string;
  actor?: Caller;
}

export interface SettleInput {
  paymentId: string;
  entryKey: string;
  pendingEntryKey: string;
  actor?: Caller;
}

export interface ReleaseInput {
  paymentId: string;
  /** Unset when a Draft is cancelled: no hold to release. */
  entryKey: string | null;
  pendingEntryKey: string | null;
  reason: string | null;
  /** Who cancelled (unset: the hold expired, or a run from before it was recorded). */
  actor?: Caller;
  auditKey?: string;
}

/**
 * A status change a system or ops caller asked for, audited in the transaction of the change; the
 * key (the step's) keeps a repeated activity from recording it twice.
 */
function auditStep(
  tx: TransactionSql,
  actor: Caller | undefined,
  key: string,
  paymentId: string,
  change: { from: string; to: string; note?: string | null },
) {
  if (!actor) return Promise.resolve();
  return recordAudit(tx, {
    actor,
    key,
    action: `payment.${change.to.toLowerCase()}`,
    resourceType: 'payment',
    resourceId: paymentId,
    note: change.note ?? null,
    before: { status: change.from },
    after: { status: change.to },
  });
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
      createdBy: input.createdBy ?? null,
      note: input.note ?? null,
    };
    // The audit record goes with the insert (store/payments.ts): a repeat inserts and records nothing.
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
        inTransaction: async (tx) => {
          await setPaymentStatus(tx, input.paymentId, { status: 'Pending', holdExpiresAt: new Date(input.holdExpiresAt) });
          await auditStep(tx, input.actor, input.entryKey, input.paymentId, { from: 'Draft', to: 'Pending' });
        },
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
          await auditStep(tx, input.actor, input.entryKey, input.paymentId, { from: 'Pending', to: 'Posted' });
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
        inTransaction: async (tx) => {
          const [before] = await tx<[{ status: string }?]>`SELECT status FROM payments WHERE id = ${input.paymentId}`;
          await setPaymentStatus(tx, input.paymentId, { status: 'Cancelled', cancelReason: input.reason });
          if (before && before.status !== 'Cancelled')
            await auditStep(tx, input.actor, input.auditKey ?? `payment-${input.paymentId}/cancel`, input.paymentId, {
              from: before.status,
              to: 'Cancelled',
              note: input.reason,
            });
        },
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
