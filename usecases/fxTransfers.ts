import { WithStartWorkflowOperation } from '@temporalio/client';
import { DEFAULT_FX_POLICY } from '../config/env';
import { cancelTransferUpdate, confirmTransferUpdate, transferCreatedUpdate } from '../contract/transferMessages';
import type { FxTransferRecord, TransferState } from '../contract/types';
import type { Caller } from '../domain/caller';
import { requireLedgerCurrency } from '../domain/currency';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { checkConvertible, clientRate, convert, type FxStatus, planFxAction } from '../domain/fx';
import { derivedId, newId, transferWorkflowId } from '../domain/ids';
import { parseAmount } from '../domain/money';
import { getAccount } from '../ledger/accounts';
import { getClient } from '../store/clients';
import { presentCode, verifyCode } from '../store/confirmations';
import { getTransfer, type TransferRow } from '../store/transfers';
import type { fxTransferWorkflow } from '../workflows/fxTransfer';
import type { UseCaseDeps } from './deps';
import type { DocumentUseCases } from './documents';
import { createLocalRates } from './rates';
import type { TransferUseCases } from './transfers';
import { sendUpdate } from './workflowCalls';

export interface FxRequest {
  sourceAccountId: string;
  targetAccountId: string;
  /** Exactly one of the two, as the caller sent it (parsed here against its account's currency). */
  sellAmount?: string | number;
  buyAmount?: string | number;
  /** With an Idempotency-Key the transfer id is derived from it, so a retry finds the same workflow. */
  idempotencyKey: string | undefined;
}

/**
 * FX transfers between two accounts of the caller: a quote from the rates source (mid rate less
 * the spread), locked by the transfer's workflow until quoteExpiresAt with the sell amount held;
 * confirmed by the code (both legs post at once), cancelled, or expired by the workflow's timer.
 */
export function createFxTransferUseCases(
  deps: UseCaseDeps,
  transfers: Pick<TransferUseCases, 'visible'>,
  documents: Pick<DocumentUseCases, 'requireDocumentFor'>,
) {
  const { sql, temporal, taskQueue, workflowWaitMs, otp } = deps;
  const policy = deps.fx ?? DEFAULT_FX_POLICY;
  const rates = deps.rates ?? createLocalRates(policy);

  async function ownAccount(clientId: string, accountId: string) {
    const account = await getAccount(sql, accountId);
    if (!account || account.clientId !== clientId) throw new NotFoundError('account', accountId);
    return account;
  }

  /** Quotes, holds the sell amount and sends a code: 201 PendingConfirmation with the locked quote. */
  async function create(caller: Caller, request: FxRequest, now = new Date()): Promise<TransferRow> {
    const clientId = caller.sub;
    const source = await ownAccount(clientId, request.sourceAccountId);
    const target = await ownAccount(clientId, request.targetAccountId);
    const client = await getClient(sql, clientId);
    if (client?.status !== 'active') throw new DomainError(ErrorCode.CLIENT_BLOCKED, 'the client may not make transfers');
    if (source.currency === target.currency) {
      throw new DomainError(ErrorCode.CURRENCY_MISMATCH, `both accounts are in ${source.currency}; an exchange needs two currencies`, {
        field: 'targetAccountId',
      });
    }
    for (const account of [source, target]) {
      if (account.status !== 'active') throw new DomainError(ErrorCode.ACCOUNT_NOT_ACTIVE, `account ${account.id} is ${account.status}`);
    }
    requireLedgerCurrency(source.currency, 'sourceAccountId');
    requireLedgerCurrency(target.currency, 'targetAccountId');
    if ((request.sellAmount === undefined) === (request.buyAmount === undefined)) {
      throw new DomainError(ErrorCode.VALIDATION_ERROR, 'give either sellAmount or buyAmount', { field: 'sellAmount' });
    }
    const rate = clientRate(await rates.midRate(source.currency, target.currency), policy.spread);
    const field = request.sellAmount !== undefined ? 'sellAmount' : 'buyAmount';
    const amounts =
      request.sellAmount !== undefined
        ? convert(rate, source.currency, target.currency, { sellMinor: parseAmount(request.sellAmount, source.currency, { field }) })
        : convert(rate, source.currency, target.currency, { buyMinor: parseAmount(request.buyAmount, target.currency, { field }) });
    checkConvertible(amounts, source.currency, target.currency, field);

    const transferId = request.idempotencyKey ? derivedId('fx', 'client', clientId, request.idempotencyKey) : newId();
    const record: FxTransferRecord = {
      transferId,
      clientId,
      sourceAccountId: source.id,
      targetAccountId: target.id,
      sellAmountMinor: amounts.sellMinor.toString(),
      sellCurrency: source.currency,
      buyAmountMinor: amounts.buyMinor.toString(),
      buyCurrency: target.currency,
      rate,
      quoteExpiresAt: new Date(now.getTime() + policy.quoteTtlMs).toISOString(),
      confirmationId: derivedId('confirmation', transferId),
      createdBy: { role: 'client', sub: clientId },
    };
    const start = new WithStartWorkflowOperation<typeof fxTransferWorkflow>('fxTransferWorkflow', {
      workflowId: transferWorkflowId(transferId),
      taskQueue,
      args: [{ record }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    await sendUpdate(temporal, workflowWaitMs, () =>
      temporal.workflow.executeUpdateWithStart(transferCreatedUpdate, { startWorkflowOperation: start }),
    );
    const transfer = await getTransfer(sql, transferId);
    if (!transfer) throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `transfer ${transferId} was refused earlier`);
    return transfer;
  }

  const get = (caller: Caller, transferId: string) => transfers.visible(caller, transferId, 'fx');

  /** Sends confirm or cancel; a workflow that finished meanwhile answers from the read model. */
  async function act(transfer: TransferRow, action: 'confirm' | 'cancel', send: () => Promise<TransferState>): Promise<TransferRow> {
    const sent = await sendUpdate(temporal, workflowWaitMs, send);
    const latest = await getTransfer(sql, transfer.id);
    if (!latest) throw new NotFoundError('transfer', transfer.id);
    if (sent.finished) {
      if (planFxAction(latest.status as FxStatus, action) !== 'unchanged') {
        throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `transfer ${transfer.id} changed while the request ran`);
      }
      return latest;
    }
    return { ...latest, status: sent.result.status };
  }

  /**
   * Confirms with the code before the quote expires (after it: 422 QUOTE_EXPIRED, the transfer
   * Expired). A transfer at or above the document threshold needs a document first, checked before
   * the code so no attempt is used up.
   */
  async function confirm(caller: Caller, transferId: string, code: string): Promise<TransferRow> {
    const transfer = await get(caller, transferId);
    if (planFxAction(transfer.status as FxStatus, 'confirm') === 'unchanged') {
      if (transfer.confirmationId) await verifyCode(sql, otp, transfer.confirmationId, { code }, deps.notifier);
      return transfer;
    }
    await documents.requireDocumentFor(transfer);
    const handle = temporal.workflow.getHandle(transferWorkflowId(transfer.id));
    // The code's keyed hash, not the code: nothing secret enters the workflow's history.
    const presented = presentCode(otp, transfer.confirmationId ?? '', code);
    return act(transfer, 'confirm', () => handle.executeUpdate(confirmTransferUpdate, { args: [presented] }));
  }

  /** Cancels before confirmation: the hold is released (200 Cancelled; a repeat is 200 too). */
  async function cancel(caller: Caller, transferId: string): Promise<TransferRow> {
    const transfer = await get(caller, transferId);
    if (planFxAction(transfer.status as FxStatus, 'cancel') === 'unchanged') return transfer;
    const handle = temporal.workflow.getHandle(transferWorkflowId(transfer.id));
    return act(transfer, 'cancel', () => handle.executeUpdate(cancelTransferUpdate));
  }

  return { create, get, confirm, cancel };
}

export type FxTransferUseCases = ReturnType<typeof createFxTransferUseCases>;
