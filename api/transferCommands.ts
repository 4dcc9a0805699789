import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import type { OutgoingTransferRecord } from '../activities/transfers';
import type { TransferPolicy } from '../config/env';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { planTransferAction, type TransferAction } from '../domain/transfer';
import type { Sql } from '../ledger/db';
import { getTransfer, type TransferRow } from '../store/transfers';
import type { incomingTransferWorkflow } from '../workflows/incomingTransfer';
import type { outgoingTransferWorkflow } from '../workflows/outgoingTransfer';
import {
  assignTransferUpdate,
  cancelTransferUpdate,
  confirmTransferUpdate,
  continueTransferUpdate,
  executeTransferUpdate,
  type IncomingTransferInput,
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
}

export type ActionArgs =
  | { action: 'confirm'; code: string }
  | { action: 'cancel' }
  | { action: 'resend' }
  | { action: 'continue'; actor: string; note: string | null }
  | { action: 'execute'; actor: string; note: string | null; providerReference: string }
  | { action: 'assign'; actor: string; note: string | null; accountId: string };

/** Drives transfer workflows for the API, like paymentCommands does for payments. */
export function createTransferCommands({ sql, temporal, taskQueue, workflowWaitMs, transferPolicy }: TransferCommandDeps) {
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
    if (planTransferAction(transfer.status, action) === 'unchanged') return { transfer };
    const handle = temporal.workflow.getHandle(transferWorkflowId(transfer.id));
    let expiresAt: string | undefined;
    const sent = await sendUpdate(temporal, workflowWaitMs, async () => {
      switch (args.action) {
        case 'confirm':
          return handle.executeUpdate(confirmTransferUpdate, { args: [{ code: args.code }] });
        case 'cancel':
          return handle.executeUpdate(cancelTransferUpdate);
        case 'resend':
          expiresAt = (await handle.executeUpdate(resendCodeUpdate)).expiresAt;
          return;
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
    if (sent === 'finished' && planTransferAction(latest.status, action) !== 'unchanged') {
      throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `transfer ${transfer.id} changed while the request ran`);
    }
    return { transfer: latest, ...(expiresAt ? { expiresAt } : {}) };
  }

  return { startOutgoing, receiveIncoming, act };
}
