import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PresentedCode } from '../domain/otpPolicy';
import type { OpsRequest, ReturnRequest, TransferState } from './types';

export const transferCreatedUpdate = defineUpdate<TransferState>('created');
/** The code as its keyed hash (histories recorded before carry `{ code }`): domain/otpPolicy.ts PresentedCode. */
export const confirmTransferUpdate = defineUpdate<TransferState, [PresentedCode]>('confirm');
export const cancelTransferUpdate = defineUpdate<TransferState>('cancel');
export const resendCodeUpdate = defineUpdate<{ expiresAt: string }>('resend');
export const continueTransferUpdate = defineUpdate<TransferState, [OpsRequest]>('continue');
export const executeTransferUpdate = defineUpdate<TransferState, [OpsRequest & { providerReference: string }]>('execute');
export const assignTransferUpdate = defineUpdate<TransferState, [OpsRequest & { accountId: string }]>('assign');
export const returnTransferUpdate = defineUpdate<TransferState, [ReturnRequest]>('return');
export const transferStateQuery = defineQuery<TransferState | null>('state');
