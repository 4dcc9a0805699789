import { DomainError, ErrorCode } from './errors';

/** Reversed: a Posted payment whose whole amount was booked back (POST .../reverse); the workflows never set it. */
export const PaymentStatus = ['Draft', 'Pending', 'Posted', 'Cancelled', 'Reversed'] as const;
export type PaymentStatus = (typeof PaymentStatus)[number];

export type PaymentAction = 'pend' | 'post' | 'cancel';

/** The status each action leads to. */
export const ACTION_TARGET: Record<PaymentAction, PaymentStatus> = {
  pend: 'Pending',
  post: 'Posted',
  cancel: 'Cancelled',
};

const ALLOWED_FROM: Record<PaymentAction, readonly PaymentStatus[]> = {
  pend: ['Draft'],
  post: ['Pending'],
  cancel: ['Draft', 'Pending'],
};

export const isTerminal = (status: PaymentStatus) => status === 'Posted' || status === 'Cancelled' || status === 'Reversed';

/**
 * The payment state machine, in one place for the workflow's update validators and the API.
 * Returns 'apply' to move, 'unchanged' when the payment already is where the action leads
 * (a repeated post of a Posted payment answers 200 with the payment unchanged), and throws
 * INVALID_STATE_TRANSITION otherwise.
 */
export function planTransition(from: PaymentStatus, action: PaymentAction): 'apply' | 'unchanged' {
  if (ACTION_TARGET[action] === from) return 'unchanged';
  if (ALLOWED_FROM[action].includes(from)) return 'apply';
  throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `cannot ${action} a payment that is ${from}`, {
    from,
    action,
  });
}

/** Holds expire after 7 days unless the payment says otherwise. */
export const DEFAULT_HOLD_MS = 7 * 24 * 60 * 60 * 1000;
