import type { ApprovalActionType } from '../domain/approval';
import type { Caller } from '../domain/caller';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { getInternalAccount } from '../ledger/accounts';
import type { Sql } from '../ledger/db';
import { getEntry, recordEntries, recordEntry } from '../ledger/journal';
import type { EntryRequest } from '../ledger/types';
import { type ApprovalClosing, closeApproval, insertApproval, setApprovalResult } from '../store/approvals';
import { recordAudit } from '../store/audit';
import { addReversal, getPayment, requireReversible } from '../store/payments';
import { getTransfer, markReturned } from '../store/transfers';
import { withBusinessFailures } from './failures';
import { entryIdFor } from './payments';

/**
 * Back-office corrections: reversals of payments, returns of outgoing transfers, and the
 * approvals that guard them. Each money step writes its entries, the read model, the event and
 * the audit row in one transaction under entry ids derived from its workflow id, so a retried or
 * repeated step finds the entries already there and writes nothing again.
 */

export interface ReversePaymentInput {
  paymentId: string;
  /** `<reversal workflow id>/reverse`: the reversal's entry id. */
  entryKey: string;
  amountMinor: string;
  reason: string;
  note: string | null;
  /** Who asked for it (the requester when it went through an approval). */
  actor: Caller;
}

export interface BookReturnInput {
  transferId: string;
  /** `<return workflow id>/...`: the return's entry ids. */
  entryKey: string;
  providerReference: string;
  amountMinor: string;
  reason: string;
  /** RETURN_REFUNDS_FEE as the API read it when the return arrived. */
  refundFee: boolean;
  actor: Caller;
}

export interface RecordApprovalInput {
  approvalId: string;
  action: ApprovalActionType;
  request: Record<string, unknown>;
  requestedBy: Caller;
  note: string | null;
  expiresAt: string;
}

async function internalAccountId(sql: Sql, currency: string, purpose: 'settlement' | 'fee_income'): Promise<string> {
  const account = await getInternalAccount(sql, currency, purpose);
  if (!account) throw new DomainError(ErrorCode.CURRENCY_NOT_SUPPORTED, `the ledger has no ${purpose} account in ${currency}`);
  return account.id;
}

export function createBackOfficeActivities({ sql }: { sql: Sql }) {
  /**
   * Books part or all of a Posted payment back: a new entry from its credit account to its debit
   * account, linked to the entry that moved the money (`reversalOf`). The credit account must be
   * able to pay it (INSUFFICIENT_FUNDS otherwise); what is left to reverse is checked under the
   * payment's row lock, so two reversals at once can never take back more than the payment.
   */
  async function reversePayment(input: ReversePaymentInput): Promise<void> {
    const payment = await getPayment(sql, input.paymentId);
    if (!payment) throw new NotFoundError('payment', input.paymentId);
    const [original] = await sql<{ id: string }[]>`
      SELECT id FROM journal_entries WHERE payment_id = ${payment.id} AND kind IN ('posted', 'post_pending') AND reversal_of IS NULL
      ORDER BY seq LIMIT 1`;
    const amount = BigInt(input.amountMinor);
    const id = entryIdFor(input.entryKey);
    // What is left is checked before the ledger's funds check, so more than is left is named as such;
    // unless this is a repeat of a reversal already booked (its entry is there), which answers done.
    if (!(await getEntry(sql, id))) requireReversible(payment, amount);
    await recordEntry(
      sql,
      {
        kind: 'posted',
        id,
        debitAccountId: payment.creditAccountId,
        creditAccountId: payment.debitAccountId,
        amount,
        currency: payment.currency,
        paymentId: payment.id,
        description: `Reversal of payment ${payment.id}: ${input.reason}`,
        reversalOf: original?.id ?? null,
      },
      {
        // Alone, not in a group commit: a refusal in the transaction (more than is left) must roll back only this entry.
        groupCommit: false,
        inTransaction: async (tx) => {
          const { before, after } = await addReversal(tx, payment.id, amount);
          await recordAudit(tx, {
            actor: input.actor,
            action: 'payment.reversed',
            resourceType: 'payment',
            resourceId: payment.id,
            note: input.note ? `${input.reason}: ${input.note}` : input.reason,
            before: { status: before.status, reversedAmount: before.reversedAmount.toString() },
            after: { status: after.status, reversedAmount: after.reversedAmount.toString() },
          });
        },
      },
    );
  }

  /**
   * Books a returned outgoing transfer: the amount from settlement back to the client's account
   * (and the fee from fee income when the policy refunds it), the transfer Returned with its
   * event and audit row, in one transaction.
   */
  async function bookTransferReturn(input: BookReturnInput): Promise<void> {
    const transfer = await getTransfer(sql, input.transferId);
    if (transfer?.direction !== 'outgoing' || !transfer.accountId) throw new NotFoundError('transfer', input.transferId);
    const amount = BigInt(input.amountMinor);
    const common = { kind: 'posted' as const, creditAccountId: transfer.accountId, currency: transfer.currency, transferId: transfer.id };
    const entries: EntryRequest[] = [
      {
        ...common,
        id: entryIdFor(`${input.entryKey}/amount`),
        debitAccountId: await internalAccountId(sql, transfer.currency, 'settlement'),
        amount,
        description: `Return of transfer ${transfer.id}: ${input.reason}`,
      },
    ];
    if (input.refundFee && transfer.fee > 0n) {
      entries.push({
        ...common,
        id: entryIdFor(`${input.entryKey}/fee`),
        debitAccountId: await internalAccountId(sql, transfer.currency, 'fee_income'),
        amount: transfer.fee,
        description: `Fee refund for the return of transfer ${transfer.id}`,
      });
    }
    await recordEntries(sql, entries, {
      groupCommit: false,
      inTransaction: async (tx) => {
        const { before, after } = await markReturned(tx, transfer.id, {
          amount,
          reason: input.reason,
          providerReference: input.providerReference,
        });
        await recordAudit(tx, {
          actor: input.actor,
          action: 'transfer.returned',
          resourceType: 'transfer',
          resourceId: transfer.id,
          note: input.reason,
          before: { status: before.status },
          after: {
            status: after.status,
            returnedAmount: amount.toString(),
            providerReference: input.providerReference,
            feeRefunded: entries.length > 1,
          },
        });
      },
    });
  }

  async function recordApprovalRequest(input: RecordApprovalInput): Promise<void> {
    await insertApproval(sql, {
      id: input.approvalId,
      action: input.action,
      request: input.request,
      requestedBy: input.requestedBy,
      note: input.note,
      expiresAt: new Date(input.expiresAt),
    });
  }

  async function closeApprovalStep(input: { approvalId: string } & ApprovalClosing): Promise<void> {
    await closeApproval(sql, input.approvalId, { status: input.status, actor: input.actor, reason: input.reason });
  }

  async function recordApprovalResult(input: { approvalId: string; result: Record<string, unknown> }): Promise<void> {
    await setApprovalResult(sql, input.approvalId, input.result);
  }

  return {
    reversePayment: withBusinessFailures(reversePayment),
    bookTransferReturn: withBusinessFailures(bookTransferReturn),
    recordApprovalRequest: withBusinessFailures(recordApprovalRequest),
    closeApproval: withBusinessFailures(closeApprovalStep),
    recordApprovalResult: withBusinessFailures(recordApprovalResult),
  };
}
