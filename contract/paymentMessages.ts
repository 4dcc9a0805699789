import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CancelRequest, PaymentState, PendRequest, PostRequest } from './types';

/** Answers once the payment exists (Draft, or Posted for an immediate one) or was refused. */
export const createdUpdate = defineUpdate<PaymentState>('created');
export const pendUpdate = defineUpdate<PaymentState, [PendRequest]>('pend');
// The argument came later: updates recorded before it carry none.
export const postUpdate = defineUpdate<PaymentState, [PostRequest]>('post');
export const cancelUpdate = defineUpdate<PaymentState, [CancelRequest]>('cancel');
export const paymentStateQuery = defineQuery<PaymentState | null>('state');
