import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import type { TransferPolicy } from '../config/env';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { planTransferAction, type TransferAction } from '../domain/transfer';
import type { Sql } from '../ledger/db';
import { type OtpPolicy, verifyCode } from '../store/confirmations';
import { getTransfer, type TransferRow } from '../store/transfers';
import type { incomingTransferWorkflow } from '../workflows/incomingTransfer';
import type { outgoingTransferWorkflow } from '../workflows/outgoingTransfer';
import type { IncomingTransferInput, OutgoingTransferRecord, TransferState } from '../workflows/shared';
import {
  assignTransferUpdate,
  cancelTransferUpdate,
  confirmTransferUpdate,
  continueTransferUpdate,
  executeTransferUpdate,
  resendCodeUpdate,
  transferCreatedUpdate,
} from '../workflows/transferMessages';
import { sendUpdate } from './workflowCalls';

export const transferWorkflowId = (transferId: string) => `transfer-${transferId}`;

export interface TransferCommandDeps {
  sql: Sql;
  temporal: Client;
  taskQueue: string;
  workflowWaitMs: number;
  transferPolicy: TransferPolicy;
  otp: OtpPolicy;
}

export type ActionArgs =
  | { action: 'confirm'; code: string }
  | { action: 'cancel' }
  | { action: 'resend' }
  | { action: 'continue'; actor: string; note: string | null }
  | { action: 'execute'; actor: string; note: string | null; providerReference: string }
  | { action: 'assign'; actor: string; note: string | null; accountId: string };

/** Drives transfer workflows for the API, like paymentCommands does for payments. */
export function createTransferCommands({ sql, temporal, taskQueue, workflowWaitMs, transferPolicy, otp }: TransferCommandDeps) {
  async function loaded(transferId: string): Promise<TransferRow> {
    const transfer = await getTransfer(sql, transferId);
    if (!transfer) throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `transfer ${transferId} was refused earlier`);
    return transfer;
  }

  async function startOutgoing(record: OutgoingTransferRecord): Promise<TransferRow> {
    const start = new WithStartWorkflowOperation<typeof outgoingTransferWorkflow>('outgoingTransferWorkflow', {
      workflowId: transferWorkflowId(record.transferId),
      taskQueue,
      args: [{ record, confirmationWindowMs: transferPolicy.confirmationWindowMs, providerRetry: transferPolicy.providerRetry }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    await sendUpdate(temporal, workflowWaitMs, () =>
      temporal.workflow.executeUpdateWithStart(transferCreatedUpdate, { startWorkflowOperation: start }),
    );
    return loaded(record.transferId);
  }

  async function receiveIncoming(input: IncomingTransferInput): Promise<TransferRow> {
    const start = new WithStartWorkflowOperation<typeof incomingTransferWorkflow>('incomingTransferWorkflow', {
      workflowId: transferWorkflowId(input.transferId),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    await sendUpdate(temporal, workflowWaitMs, () =>
      temporal.workflow.executeUpdateWithStart(transferCreatedUpdate, { startWorkflowOperation: start }),
    );
    return loaded(input.transferId);
  }

  /**
   * Applies an action; the state machine is checked on the read model first, so a transfer
   * whose workflow has finished still answers (repeat: 200 unchanged; otherwise 422).
   */
  async function act(transfer: TransferRow, args: ActionArgs): Promise<{ transfer: TransferRow; expiresAt?: string }> {
    const action: TransferAction = args.action;
    if (planTransferAction(transfer.status, action) === 'unchanged') {
      // A repeated confirm is 200 only with the code that confirmed it.
      if (args.action === 'confirm' && transfer.confirmationId) await verifyCode(sql, otp, transfer.confirmationId, args.code);
      return { transfer };
    }
    const handle = temporal.workflow.getHandle(transferWorkflowId(transfer.id));
    const sent = await sendUpdate(temporal, workflowWaitMs, (): Promise<TransferState | { expiresAt: string }> => {
      switch (args.action) {
        case 'confirm':
          return handle.executeUpdate(confirmTransferUpdate, { args: [{ code: args.code }] });
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

  return { startOutgoing, receiveIncoming, act };
}
