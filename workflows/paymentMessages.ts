import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CancelRequest, PaymentState, PendRequest } from './shared';

/** Answers once the payment exists (Draft, or Posted for an immediate one) or was refused. */
export const createdUpdate = defineUpdate<PaymentState>('created');
export const pendUpdate = defineUpdate<PaymentState, [PendRequest]>('pend');
export const postUpdate = defineUpdate<PaymentState>('post');
export const cancelUpdate = defineUpdate<PaymentState, [CancelRequest]>('cancel');
export const paymentStateQuery = defineQuery<PaymentState | null>('state');
