import type { FxTransferRecord } from '../contract/types';
import { DomainError, ErrorCode } from '../domain/errors';
import { checkTransferLimits, limitsFor } from '../domain/limits';
import { formatAmount } from '../domain/money';
import { getInternalAccount } from '../ledger/accounts';
import type { Sql } from '../ledger/db';
import { releaseHoldsOf } from '../ledger/holds';
import { recordEntries } from '../ledger/journal';
import { lockClientLimits } from '../store/clients';
import { issueCode } from '../store/confirmations';
import { insertTransfer, outgoingToday, updateTransfer } from '../store/transfers';
import { withBusinessFailures } from './failures';
import { entryIdFor } from './payments';
import type { TransferActivityDeps } from './transfers';

/** Entry keys of one FX transfer: the hold of the sell amount, and what resolves it. */
export const fxKeys = (workflowId: string) => ({
  holdSell: `${workflowId}/hold-sell`,
  settleSell: `${workflowId}/settle-sell`,
  creditBuy: `${workflowId}/credit-buy`,
  releaseSell: `${workflowId}/release-sell`,
});

async function fxPosition(sql: Sql, currency: string): Promise<string> {
  const account = await getInternalAccount(sql, currency, 'fx_position');
  if (!account) throw new DomainError(ErrorCode.CURRENCY_NOT_SUPPORTED, `the ledger has no fx_position account in ${currency}`);
  return account.id;
}

export function createFxActivities({
  sql,
  notifier,
  otp,
  transferLimits,
}: Pick<TransferActivityDeps, 'sql' | 'notifier' | 'otp' | 'transferLimits'>) {
  /** Holds the sell amount (towards the sell currency's fx_position) and records the transfer, in one transaction. */
  async function openFxTransfer(input: { record: FxTransferRecord; workflowId: string }): Promise<void> {
    const { record } = input;
    const sellMinor = BigInt(record.sellAmountMinor);
    await recordEntries(
      sql,
      [
        {
          kind: 'pending',
          id: entryIdFor(fxKeys(input.workflowId).holdSell),
          debitAccountId: record.sourceAccountId,
          creditAccountId: await fxPosition(sql, record.sellCurrency),
          amount: sellMinor,
          currency: record.sellCurrency,
          transferId: record.transferId,
          description: `fx ${record.sellCurrency}->${record.buyCurrency}`,
        },
      ],
      {
        inTransaction: async (tx) => {
          // The client's limits in the sell currency, as for outgoing transfers (activities/transfers.ts).
          const clientLimits = (await lockClientLimits(tx, record.clientId)) ?? {};
          const used = await outgoingToday(tx, record.clientId, record.sellCurrency);
          checkTransferLimits(record.sellCurrency, sellMinor, used, limitsFor(record.sellCurrency, clientLimits, transferLimits));
          await insertTransfer(tx, {
            id: record.transferId,
            clientId: record.clientId,
            direction: 'fx',
            type: 'Fx',
            status: 'PendingConfirmation',
            accountId: record.sourceAccountId,
            recipientId: null,
            recipient: null,
            sender: null,
            amount: sellMinor,
            currency: record.sellCurrency,
            fee: 0n,
            reference: null,
            providerReference: null,
            confirmationId: record.confirmationId,
            failureReason: null,
            relatedTransferId: null,
            createdBy: record.createdBy ?? null,
            sellAmount: sellMinor,
            sellCurrency: record.sellCurrency,
            buyAmount: BigInt(record.buyAmountMinor),
            buyCurrency: record.buyCurrency,
            rate: record.rate,
            quoteExpiresAt: new Date(record.quoteExpiresAt),
            targetAccountId: record.targetAccountId,
          });
        },
      },
    );
  }

  /** Sends a code for the exchange (the first, or a resend named by `sendId`). */
  async function sendFxCode(input: { record: FxTransferRecord; sendId?: string }): Promise<{ expiresAt: string }> {
    const { record } = input;
    const { code, expiresAt } = await issueCode(sql, otp, {
      id: record.confirmationId,
      clientId: record.clientId,
      transferId: record.transferId,
      operation: 'fx',
      sendId: input.sendId ?? null,
    });
    const sell = formatAmount(BigInt(record.sellAmountMinor), record.sellCurrency);
    const buy = formatAmount(BigInt(record.buyAmountMinor), record.buyCurrency);
    await notifier.send({
      clientId: record.clientId,
      channel: 'sms',
      subject: 'Confirm your exchange',
      expiresAt,
      body: `Your code is ${code}. It confirms the exchange of ${sell} ${record.sellCurrency} for ${buy} ${record.buyCurrency} at ${record.rate}; the quote holds until ${record.quoteExpiresAt}.`,
    });
    return { expiresAt: expiresAt.toISOString() };
  }

  /**
   * Both legs in one transaction: the held sell amount posts to the sell currency's fx_position,
   * the buy amount comes from the buy currency's fx_position to the target account; Completed.
   */
  async function settleFx(input: { record: FxTransferRecord; workflowId: string }): Promise<void> {
    const { record } = input;
    const keys = fxKeys(input.workflowId);
    await recordEntries(
      sql,
      [
        { kind: 'post_pending', id: entryIdFor(keys.settleSell), pendingId: entryIdFor(keys.holdSell), transferId: record.transferId },
        {
          kind: 'posted',
          id: entryIdFor(keys.creditBuy),
          debitAccountId: await fxPosition(sql, record.buyCurrency),
          creditAccountId: record.targetAccountId,
          amount: BigInt(record.buyAmountMinor),
          currency: record.buyCurrency,
          transferId: record.transferId,
          description: `fx ${record.sellCurrency}->${record.buyCurrency} at ${record.rate}`,
        },
      ],
      { inTransaction: (tx) => updateTransfer(tx, record.transferId, { status: 'Completed' }) },
    );
  }

  /** Voids the hold (any the ledger has for the transfer, ledger/holds.ts): the transfer ends Cancelled or Expired. */
  async function releaseFx(input: {
    record: FxTransferRecord;
    workflowId: string;
    status: 'Cancelled' | 'Expired';
    reason: string;
  }): Promise<void> {
    const { record } = input;
    const keys = fxKeys(input.workflowId);
    await releaseHoldsOf(
      sql,
      { transferId: record.transferId },
      {
        knownVoidIds: new Map([[entryIdFor(keys.holdSell), entryIdFor(keys.releaseSell)]]),
        inTransaction: (tx) => updateTransfer(tx, record.transferId, { status: input.status, failureReason: input.reason }),
      },
    );
  }

  return {
    openFxTransfer: withBusinessFailures(openFxTransfer),
    sendFxCode: withBusinessFailures(sendFxCode),
    settleFx: withBusinessFailures(settleFx),
    releaseFx: withBusinessFailures(releaseFx),
  };
}
