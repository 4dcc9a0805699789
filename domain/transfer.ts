import { DomainError, ErrorCode } from './errors';
import type { FxStatus } from './fx';

/** Returned: a Completed transfer the beneficiary's bank sent back (the workflow has ended by then; a return workflow sets it). */
export const OutgoingStatus = [
  'PendingConfirmation',
  'Confirmed',
  'Processing',
  'Stuck',
  'Completed',
  'Failed',
  'Cancelled',
  'Returned',
] as const;
export type OutgoingStatus = (typeof OutgoingStatus)[number];
export const IncomingStatus = ['Received', 'Completed', 'Unrecognized', 'Returned'] as const;
export type IncomingStatus = (typeof IncomingStatus)[number];
export type TransferStatus = OutgoingStatus | IncomingStatus | FxStatus;
export const TransferType = ['Internal', 'Sepa', 'Swift', 'Fx'] as const;
export type TransferType = (typeof TransferType)[number];
export type TransferDirection = 'outgoing' | 'incoming' | 'fx';

/** `return`: ops sends an Unrecognized incoming transfer back; `returned`: the provider reports an outgoing one came back. */
export type TransferAction = 'confirm' | 'cancel' | 'resend' | 'continue' | 'execute' | 'assign' | 'return' | 'returned';

const ALLOWED_FROM: Record<TransferAction, readonly TransferStatus[]> = {
  confirm: ['PendingConfirmation'],
  cancel: ['PendingConfirmation', 'Confirmed'],
  resend: ['PendingConfirmation'],
  continue: ['Stuck'],
  // Only once the provider's budget ran out: while it may still pay, settling by hand could pay twice.
  execute: ['Stuck'],
  assign: ['Unrecognized'],
  return: ['Unrecognized'],
  returned: ['Completed'],
};

/** What a repeated action finds when it already happened: 200 with the transfer unchanged. */
const DONE_AT: Partial<Record<TransferAction, readonly TransferStatus[]>> = {
  confirm: ['Confirmed', 'Processing', 'Stuck', 'Completed', 'Failed'],
  cancel: ['Cancelled'],
  return: ['Returned'],
};

/** The transfer state machine for the workflow validators and the API, like planTransition for payments. */
export function planTransferAction(from: TransferStatus, action: TransferAction): 'apply' | 'unchanged' {
  if (ALLOWED_FROM[action].includes(from)) return 'apply';
  if (DONE_AT[action]?.includes(from)) return 'unchanged';
  throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `cannot ${action} a transfer that is ${from}`, { from, action });
}

export const isFinalTransferStatus = (s: TransferStatus) => ['Completed', 'Failed', 'Cancelled', 'Returned', 'Expired'].includes(s);
