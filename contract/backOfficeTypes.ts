import type { ApprovalActionType, ApprovalDecision } from '../domain/approval';
import type { Caller } from '../domain/caller';
import type { PaymentInput } from './types';

/**
 * Inputs and outcomes of the back-office workflows (reversal, return, approval). Kept apart from
 * the workflows so the API imports types only.
 */

/** What a one-step correction ended with: done, or refused by a business rule (nothing moved). */
export type CorrectionOutcome = { ok: true } | { ok: false; code: string; message: string; metadata: Record<string, unknown> };

export interface PaymentReversalInput {
  paymentId: string;
  amountMinor: string;
  /** The payment's currency (for the approval's display of the amount). */
  currency: string;
  reason: string;
  note: string | null;
  actor: Caller;
}

export interface TransferReturnInput {
  transferId: string;
  providerReference: string;
  amountMinor: string;
  reason: string;
  refundFee: boolean;
  actor: Caller;
}

/** The action an approval runs once approved, with the input it runs with. */
export type ApprovalAction =
  | { type: Extract<ApprovalActionType, 'payment.create'>; payment: PaymentInput }
  | { type: Extract<ApprovalActionType, 'payment.reverse'>; reversal: PaymentReversalInput };

export interface ApprovalInput {
  approvalId: string;
  action: ApprovalAction;
  requestedBy: Caller;
  note: string | null;
  /** ISO timestamp: pending until then, expired after. */
  expiresAt: string;
}

export interface DecisionRequest {
  decision: ApprovalDecision;
  actor: Caller;
  reason: string | null;
}

/** The approval as its workflow knows it: the decision once taken, and once done, the action's outcome. */
export interface ApprovalState {
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  /** Set once the approved action has run. */
  result: Record<string, unknown> | null;
}

/** The workflow ids: one workflow per reversal, per provider return and per approval. */
export const reversalWorkflowId = (paymentId: string, reversalId: string) => `payment-${paymentId}-reversal-${reversalId}`;
export const returnWorkflowId = (returnKey: string) => `transfer-return-${returnKey}`;
export const approvalWorkflowId = (approvalId: string) => `approval-${approvalId}`;
