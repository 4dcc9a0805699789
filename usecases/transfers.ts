import { WithStartWorkflowOperation } from '@temporalio/client';
import {
  assignTransferUpdate,
  cancelTransferUpdate,
  confirmTransferUpdate,
  continueTransferUpdate,
  executeTransferUpdate,
  resendCodeUpdate,
  returnTransferUpdate,
  transferCreatedUpdate,
} from '../contract/transferMessages';
import type { IncomingTransferInput, OutgoingTransferRecord, RecipientSnapshot, TransferState } from '../contract/types';
import { ibanCountry, normalizeRecipient, parseAccountReference, type RecipientFields } from '../domain/accountReference';
import { actorOf, type Caller } from '../domain/caller';
import { requireLedgerCurrency } from '../domain/currency';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { derivedId, newId, transferWorkflowId } from '../domain/ids';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import { planTransferAction, type TransferAction, type TransferDirection } from '../domain/transfer';
import { estimatedArrival, feeFor, transferTypeFor } from '../domain/transferPricing';
import { findClientAccount, getAccount } from '../ledger/accounts';
import { getClient } from '../store/clients';
import { presentCode, verifyCode } from '../store/confirmations';
import { getRecipient } from '../store/recipients';
import { type AuditEntry, auditOf, getTransfer, listTransfers, type TransferFilter, type TransferRow } from '../store/transfers';
import type { incomingTransferWorkflow } from '../workflows/incomingTransfer';
import type { outgoingTransferWorkflow } from '../workflows/outgoingTransfer';
import type { UseCaseDeps } from './deps';
import { createDocumentRequirement } from './documentRequirement';
import { sendUpdate } from './workflowCalls';

export interface OutgoingRequest {
  accountId: string;
  /** A stored recipient of the client, or one given inline (exactly one of the two). */
  recipientId?: string;
  recipient?: RecipientFields;
  amountMinor: bigint;
  currency: string;
  reference: string | null;
  /** With an Idempotency-Key the transfer id is derived from it, so a retry finds the same workflow. */
  idempotencyKey: string | undefined;
}

/** An incoming transfer as the provider reports it: the workflow's input, with the amount parsed. */
export type IncomingRequest = Omit<IncomingTransferInput, 'transferId' | 'amountMinor' | 'createdBy' | 'idempotencyKey'> & {
  amountMinor: bigint;
};

export interface TransferDetails {
  transfer: TransferRow;
  workflowId: string;
  audit: AuditEntry[];
  /** From Temporal; null when it could not be asked. */
  history: { status: string; historyLength: number } | null;
}

type ActionArgs =
  | { action: 'confirm'; code: string }
  | { action: 'cancel' }
  | { action: 'resend' }
  | { action: 'continue'; actor: string; note: string | null }
  | { action: 'execute'; actor: string; note: string | null; providerReference: string }
  | { action: 'assign'; actor: string; note: string | null; accountId: string }
  | { action: 'return'; actor: string; reason: string };

/**
 * Transfers, each a workflow (`transfer-<id>`): outgoing ones are created here after the business
 * rules, incoming ones when the provider reports them; confirmations, cancels and ops
 * interventions are Updates whose answer names the transition that happened.
 */
export function createTransferUseCases(deps: UseCaseDeps) {
  const { sql, temporal, taskQueue, workflowWaitMs, transferPolicy, otp } = deps;
  const requireDocumentFor = createDocumentRequirement(deps);
  /** A client sees only its own transfers (anything else is 404); system and ops see all. */
  async function visible(caller: Caller, transferId: string, direction?: TransferDirection): Promise<TransferRow> {
    const transfer = await getTransfer(sql, transferId);
    const allowed =
      transfer && (caller.role !== 'client' || transfer.clientId === caller.sub) && (!direction || transfer.direction === direction);
    if (!allowed) throw new NotFoundError('transfer', transferId);
    return transfer;
  }

  async function afterStart(transferId: string): Promise<TransferRow> {
    const transfer = await getTransfer(sql, transferId);
    if (!transfer) throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `transfer ${transferId} was refused earlier`);
    return transfer;
  }

  /** Which rail a transfer to this IBAN or account number takes, its fee and its estimated arrival. */
  async function quoteType(recipientAccount: string, currency: string, now = new Date()) {
    requireLedgerCurrency(currency);
    const ref = parseAccountReference(recipientAccount, 'recipientAccount');
    const internal = await findClientAccount(sql, ref);
    const type = transferTypeFor({ isInternal: internal !== undefined, ibanCountry: ibanCountry(ref.iban) }, currency);
    return { type, feeMinor: feeFor(type, currency, transferPolicy.fees), estimatedArrival: estimatedArrival(type, now) };
  }

  async function recipientFor(clientId: string, request: OutgoingRequest): Promise<{ id: string | null; snapshot: RecipientSnapshot }> {
    if (request.recipientId !== undefined) {
      const stored = await getRecipient(sql, clientId, request.recipientId);
      if (!stored) throw new NotFoundError('recipient', request.recipientId);
      const { name, iban, accountNumber, bic, country } = stored;
      return { id: stored.id, snapshot: { name, iban, accountNumber, bic, country } };
    }
    if (!request.recipient)
      throw new DomainError(ErrorCode.VALIDATION_ERROR, 'give either recipientId or recipient', { field: 'recipientId' });
    const { name, iban, accountNumber, bic, country } = normalizeRecipient(request.recipient, 'recipient.');
    return { id: null, snapshot: { name, iban, accountNumber, bic, country } };
  }

  /** Holds amount + fee and sends a code: the transfer is PendingConfirmation. */
  async function createOutgoing(caller: Caller, request: OutgoingRequest): Promise<TransferRow> {
    const clientId = caller.sub;
    requireLedgerCurrency(request.currency);
    const account = await getAccount(sql, request.accountId);
    if (!account || account.clientId !== clientId) throw new NotFoundError('account', request.accountId);
    const client = await getClient(sql, clientId);
    if (client?.status !== 'active') throw new DomainError(ErrorCode.CLIENT_BLOCKED, 'the client may not make transfers');
    if (account.currency !== request.currency) {
      throw new DomainError(ErrorCode.CURRENCY_MISMATCH, `account ${account.id} is in ${account.currency}`, { field: 'currency' });
    }
    const recipient = await recipientFor(clientId, request);
    const target = await findClientAccount(sql, recipient.snapshot);
    if (target?.id === account.id) throw new DomainError(ErrorCode.SAME_ACCOUNT, 'the recipient is the paying account');
    // Known now, so refused now (a closed account takes no money); says nothing more of another client's account.
    if (target?.status === 'closed') throw new DomainError(ErrorCode.ACCOUNT_NOT_ACTIVE, 'the transfer cannot be made to this account');
    if (target && target.currency !== request.currency) {
      // Another client's account: no more than that it cannot take this transfer (its currency is not the caller's to learn).
      if (target.clientId !== clientId) throw new DomainError(ErrorCode.CURRENCY_MISMATCH, 'the transfer cannot be made to this account');
      throw new DomainError(ErrorCode.CURRENCY_MISMATCH, `the recipient account is in ${target.currency}`, { field: 'currency' });
    }
    const type = transferTypeFor({ isInternal: target !== undefined, ibanCountry: ibanCountry(recipient.snapshot.iban) }, request.currency);
    const transferId = request.idempotencyKey ? derivedId('transfer', 'client', clientId, request.idempotencyKey) : newId();
    const record: OutgoingTransferRecord = {
      transferId,
      clientId,
      accountId: account.id,
      recipientId: recipient.id,
      recipient: recipient.snapshot,
      type,
      amountMinor: request.amountMinor.toString(),
      feeMinor: feeFor(type, request.currency, transferPolicy.fees).toString(),
      currency: request.currency,
      reference: request.reference,
      confirmationId: derivedId('confirmation', transferId),
      recipientAccountId: target?.id ?? null,
      recipientClientId: target?.clientId ?? null,
      createdBy: { role: caller.role, sub: caller.sub },
    };
    const start = new WithStartWorkflowOperation<typeof outgoingTransferWorkflow>('outgoingTransferWorkflow', {
      workflowId: transferWorkflowId(transferId),
      taskQueue,
      args: [{ record, confirmationWindowMs: transferPolicy.confirmationWindowMs, providerRetry: transferPolicy.providerRetry }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    await sendUpdate(temporal, workflowWaitMs, () =>
      temporal.workflow.executeUpdateWithStart(transferCreatedUpdate, { startWorkflowOperation: start }),
    );
    return afterStart(transferId);
  }

  /** Books money the provider reports, once per providerReference (the same reference with another amount is 409). */
  async function receiveIncoming(caller: Caller, request: IncomingRequest): Promise<TransferRow> {
    requireLedgerCurrency(request.currency);
    const transferId = derivedId('incoming', request.providerReference);
    const existing = await getTransfer(sql, transferId);
    if (existing) {
      if (existing.amount !== request.amountMinor || existing.currency !== request.currency) {
        throw new DomainError(
          ErrorCode.IDEMPOTENCY_KEY_REUSED,
          `providerReference ${request.providerReference} was reported with another amount`,
        );
      }
      return existing;
    }
    const input: IncomingTransferInput = {
      transferId,
      providerReference: request.providerReference,
      amountMinor: request.amountMinor.toString(),
      currency: request.currency,
      senderName: request.senderName,
      senderIban: request.senderIban,
      receiverAccountNumber: request.receiverAccountNumber,
      receiverIban: request.receiverIban,
      reference: request.reference,
      createdBy: { role: caller.role, sub: caller.sub },
    };
    const start = new WithStartWorkflowOperation<typeof incomingTransferWorkflow>('incomingTransferWorkflow', {
      workflowId: transferWorkflowId(transferId),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    await sendUpdate(temporal, workflowWaitMs, () =>
      temporal.workflow.executeUpdateWithStart(transferCreatedUpdate, { startWorkflowOperation: start }),
    );
    return afterStart(transferId);
  }

  /**
   * Applies an action; the state machine is checked on the read model first, so a transfer
   * whose workflow has finished still answers (repeat: 200 unchanged; otherwise 422).
   */
  async function act(transfer: TransferRow, args: ActionArgs): Promise<{ transfer: TransferRow; expiresAt?: string }> {
    const action: TransferAction = args.action;
    if (planTransferAction(transfer.status, action) === 'unchanged') {
      // A repeated confirm is 200 only with the code that confirmed it.
      if (args.action === 'confirm' && transfer.confirmationId)
        await verifyCode(sql, otp, transfer.confirmationId, { code: args.code }, deps.notifier);
      return { transfer };
    }
    const handle = temporal.workflow.getHandle(transferWorkflowId(transfer.id));
    const sent = await sendUpdate(temporal, workflowWaitMs, (): Promise<TransferState | { expiresAt: string }> => {
      switch (args.action) {
        case 'confirm':
          // The code's keyed hash, not the code: nothing secret enters the workflow's history.
          return handle.executeUpdate(confirmTransferUpdate, { args: [presentCode(otp, transfer.confirmationId ?? '', args.code)] });
        case 'cancel':
          return handle.executeUpdate(cancelTransferUpdate);
        case 'resend':
          return handle.executeUpdate(resendCodeUpdate);
        case 'continue':
          return handle.executeUpdate(continueTransferUpdate, { args: [{ actor: args.actor, note: args.note }] });
        case 'execute':
          return handle.executeUpdate(executeTransferUpdate, {
            args: [{ actor: args.actor, note: args.note, providerReference: args.providerReference }],
          });
        case 'assign':
          return handle.executeUpdate(assignTransferUpdate, { args: [{ actor: args.actor, note: args.note, accountId: args.accountId }] });
        case 'return':
          return handle.executeUpdate(returnTransferUpdate, { args: [{ actor: args.actor, note: args.reason, reason: args.reason }] });
      }
    });
    const latest = await getTransfer(sql, transfer.id);
    if (!latest) throw new NotFoundError('transfer', transfer.id);
    if (sent.finished) {
      // A final status the action cannot reach is the action that won the race: 422 with it.
      if (planTransferAction(latest.status, action) !== 'unchanged') {
        throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `transfer ${transfer.id} changed while the request ran`);
      }
      return { transfer: latest };
    }
    const result = sent.result;
    if ('expiresAt' in result) return { transfer: latest, expiresAt: result.expiresAt };
    // The status this action left the transfer in, even if a later step already moved it on.
    return { transfer: { ...latest, status: result.status } };
  }

  async function confirm(caller: Caller, transferId: string, code: string): Promise<TransferRow> {
    const transfer = await visible(caller, transferId, 'outgoing');
    // Before the code: a missing document uses up no attempt (docs/api.md, Documents).
    if (transfer.status === 'PendingConfirmation') await requireDocumentFor(transfer);
    return (await act(transfer, { action: 'confirm', code })).transfer;
  }

  async function cancel(caller: Caller, transferId: string): Promise<TransferRow> {
    return (await act(await visible(caller, transferId, 'outgoing'), { action: 'cancel' })).transfer;
  }

  /** A new code for the transfer behind this confirmation; the old code is void. */
  async function resendCode(transfer: TransferRow): Promise<string | undefined> {
    return (await act(transfer, { action: 'resend' })).expiresAt;
  }

  /** Ops assigns money in suspense (Unrecognized) to a client account of its currency. */
  async function assign(caller: Caller, transferId: string, accountId: string, note: string | null): Promise<TransferRow> {
    const transfer = await visible(caller, transferId, 'incoming');
    const account = await getAccount(sql, accountId);
    if (account?.kind !== 'client') throw new NotFoundError('account', accountId);
    if (account.currency !== transfer.currency)
      throw new DomainError(ErrorCode.CURRENCY_MISMATCH, `account ${account.id} is in ${account.currency}`);
    // A repeat of an assign that took effect (its answer lost to a timeout, say, and 503s are not
    // kept under the Idempotency-Key) answers as the first one did: 200, unchanged. The same
    // money assigned anywhere else stays a 422.
    const assignedHere = async () => {
      const latest = await getTransfer(sql, transfer.id);
      const done = latest?.status === 'Completed' && latest.accountId === account.id;
      return done && (await auditOf(sql, transfer.id)).some((entry) => entry.action === 'assign') ? latest : undefined;
    };
    const done = transfer.status === 'Completed' ? await assignedHere() : undefined;
    if (done) return done;
    try {
      return (await act(transfer, { action: 'assign', accountId: account.id, actor: actorOf(caller), note })).transfer;
    } catch (error) {
      // Lost the race to an earlier attempt of this same assign that completed meanwhile.
      if (error instanceof DomainError && error.code === ErrorCode.INVALID_STATE_TRANSITION) {
        const latest = await assignedHere();
        if (latest) return latest;
      }
      throw error;
    }
  }

  /** Ops sends an Unrecognized transfer back to the sender through the provider: suspense back to settlement, Returned. */
  async function returnIncoming(caller: Caller, transferId: string, reason: string): Promise<TransferRow> {
    const transfer = await visible(caller, transferId, 'incoming');
    return (await act(transfer, { action: 'return', actor: actorOf(caller), reason })).transfer;
  }

  /** Ops settles a Stuck transfer by hand (paid outside the system). */
  async function execute(caller: Caller, transferId: string, providerReference: string, note: string | null): Promise<TransferRow> {
    const transfer = await visible(caller, transferId, 'outgoing');
    return (await act(transfer, { action: 'execute', providerReference, actor: actorOf(caller), note })).transfer;
  }

  /** Ops retries a Stuck transfer with the provider. */
  async function resume(caller: Caller, transferId: string, note: string | null): Promise<TransferRow> {
    const transfer = await visible(caller, transferId, 'outgoing');
    return (await act(transfer, { action: 'continue', actor: actorOf(caller), note })).transfer;
  }

  async function list(filter: TransferFilter, page: PageRequest): Promise<Page<TransferRow>> {
    return toPage(await listTransfers(sql, filter, page), page.limit, (row) => row);
  }

  /** The transfer with its workflow id, a history summary from Temporal and the ops audit. */
  async function details(caller: Caller, transferId: string, direction: TransferDirection): Promise<TransferDetails> {
    const transfer = await visible(caller, transferId, direction);
    const workflowId = transferWorkflowId(transfer.id);
    const history = await temporal.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => ({ status: d.status.name, historyLength: d.historyLength }))
      .catch(() => null);
    return { transfer, workflowId, audit: await auditOf(sql, transfer.id), history };
  }

  return {
    visible,
    quoteType,
    createOutgoing,
    receiveIncoming,
    confirm,
    cancel,
    resendCode,
    assign,
    returnIncoming,
    execute,
    resume,
    list,
    details,
  };
}

export type TransferUseCases = ReturnType<typeof createTransferUseCases>;
