import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PaymentStatus } from '../domain/payment';

/** Workflow input: amounts cross Temporal as strings of integer minor units (JSON has no bigint). */
export interface PaymentInput {
  paymentId: string;
  debitAccountId: string;
  creditAccountId: string;
  amountMinor: string;
  currency: string;
  description: string | null;
  reference: string | null;
  /** `immediate` moves the money at once; `draft` waits for pend/post/cancel. */
  mode: 'immediate' | 'draft';
  /** ISO timestamp; when unset a hold expires DEFAULT_HOLD_MS after it was taken. */
  holdExpiresAt: string | null;
}

export interface PaymentState {
  status: PaymentStatus;
}

export interface PendRequest {
  holdExpiresAt?: string | null;
}

export interface CancelRequest {
  reason?: string | null;
}

/** Answers once the payment exists (Draft, or Posted for an immediate one) or was refused. */
export const createdUpdate = defineUpdate<PaymentState>('created');
export const pendUpdate = defineUpdate<PaymentState, [PendRequest]>('pend');
export const postUpdate = defineUpdate<PaymentState>('post');
export const cancelUpdate = defineUpdate<PaymentState, [CancelRequest]>('cancel');
export const paymentStateQuery = defineQuery<PaymentState | null>('state');
