import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OpsRequest, ReturnRequest, TransferState } from './shared';

export const transferCreatedUpdate = defineUpdate<TransferState>('created');
export const confirmTransferUpdate = defineUpdate<TransferState, [{ code: string }]>('confirm');
export const cancelTransferUpdate = defineUpdate<TransferState>('cancel');
export const resendCodeUpdate = defineUpdate<{ expiresAt: string }>('resend');
export const continueTransferUpdate = defineUpdate<TransferState, [OpsRequest]>('continue');
export const executeTransferUpdate = defineUpdate<TransferState, [OpsRequest & { providerReference: string }]>('execute');
export const assignTransferUpdate = defineUpdate<TransferState, [OpsRequest & { accountId: string }]>('assign');
export const returnTransferUpdate = defineUpdate<TransferState, [ReturnRequest]>('return');
export const transferStateQuery = defineQuery<TransferState | null>('state');
