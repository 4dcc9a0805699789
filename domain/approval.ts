import { minorUnits } from './currency';
import { DomainError, ErrorCode } from './errors';
import { decimalToMinor } from './money';

/**
 * Four eyes: a manual money action at or above the threshold of its currency
 * waits for a second ops user. One place for the rule; the API asks it before acting.
 */

export const ApprovalStatus = ['pending', 'approved', 'rejected', 'expired'] as const;
export type ApprovalStatus = (typeof ApprovalStatus)[number];

/** What an approval runs once approved: an ops payment that debits a client account, or a reversal. */
export const ApprovalActionType = ['payment.create', 'payment.reverse'] as const;
export type ApprovalActionType = (typeof ApprovalActionType)[number];

export type ApprovalDecision = 'approve' | 'reject';

/** Per currency in major units as decimal strings; `*` for currencies not named. */
export type ApprovalThresholds = Record<string, string>;

export const DEFAULT_APPROVAL_THRESHOLDS: ApprovalThresholds = { '*': '1000' };
/** A pending approval expires after this long. */
export const DEFAULT_APPROVAL_TTL_MS = 24 * 3600 * 1000;

/** Whether an amount (minor units) of this currency needs a second person. */
export function needsApproval(thresholds: ApprovalThresholds, currency: string, amountMinor: bigint): boolean {
  const threshold = thresholds[currency] ?? thresholds['*'];
  if (threshold === undefined) return false;
  const thresholdMinor = decimalToMinor(threshold, minorUnits(currency), 'up');
  return thresholdMinor !== undefined && amountMinor >= thresholdMinor;
}

const ALLOWED_FROM: Record<ApprovalDecision, readonly ApprovalStatus[]> = { approve: ['pending'], reject: ['pending'] };
const DONE_AT: Record<ApprovalDecision, ApprovalStatus> = { approve: 'approved', reject: 'rejected' };

/**
 * The approval state machine: 'apply' from pending, 'unchanged' when the same decision was already
 * taken (a retried approve answers what the first one did), else 422 INVALID_STATE_TRANSITION.
 */
export function planDecision(from: ApprovalStatus, decision: ApprovalDecision): 'apply' | 'unchanged' {
  if (ALLOWED_FROM[decision].includes(from)) return 'apply';
  if (DONE_AT[decision] === from) return 'unchanged';
  throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `cannot ${decision} an approval that is ${from}`, { from, action: decision });
}

/** The second person rule: whoever asked may not decide (403). */
export function requireOtherThanRequester(requestedBySub: string, deciderSub: string): void {
  if (requestedBySub === deciderSub) throw new DomainError(ErrorCode.FORBIDDEN, 'the requester of an approval cannot decide it');
}
