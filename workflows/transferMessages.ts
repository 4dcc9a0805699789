import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OutgoingTransferRecord } from '../activities/transfers';
import type { TransferStatus } from '../domain/transfer';

export interface ProviderRetryPolicy {
  /** Submissions before the transfer is Stuck and waits for ops. */
  submitAttempts: number;
  submitIntervalMs: number;
  /** Polls for the provider's decision before the transfer is Stuck. */
  decisionAttempts: number;
}

export interface OutgoingTransferInput {
  record: OutgoingTransferRecord;
  /** An unconfirmed transfer is cancelled by itself after this. */
  confirmationWindowMs: number;
  providerRetry: ProviderRetryPolicy;
}

export interface IncomingTransferInput {
  transferId: string;
  providerReference: string;
  amountMinor: string;
  currency: string;
  senderName: string | null;
  senderIban: string | null;
  receiverAccountNumber: string | null;
  receiverIban: string | null;
  reference: string | null;
}

export interface TransferState {
  status: TransferStatus;
}

export interface OpsRequest {
  actor: string;
  note: string | null;
}

export const transferCreatedUpdate = defineUpdate<TransferState>('created');
export const confirmTransferUpdate = defineUpdate<TransferState, [{ code: string }]>('confirm');
export const cancelTransferUpdate = defineUpdate<TransferState>('cancel');
export const resendCodeUpdate = defineUpdate<{ expiresAt: string }>('resend');
export const continueTransferUpdate = defineUpdate<TransferState, [OpsRequest]>('continue');
export const executeTransferUpdate = defineUpdate<TransferState, [OpsRequest & { providerReference: string }]>('execute');
export const assignTransferUpdate = defineUpdate<TransferState, [OpsRequest & { accountId: string }]>('assign');
export const transferStateQuery = defineQuery<TransferState | null>('state');
