import { workflowInfo } from '@temporalio/workflow';
import type { CorrectionOutcome, PaymentReversalInput, TransferReturnInput } from '../contract/backOfficeTypes';
import { businessCause, UnexpectedStepFailure } from '../contract/failures';
import { durable, localLedger, localThenBackground } from './activityPolicies';

/**
 * One-step corrections of finished money movements. The payment's and the transfer's own workflows
 * have ended by the time a reversal or a return arrives (Posted and Completed are final), so each
 * correction is a workflow of its own, keyed by what it corrects: `payment-<id>-reversal-<id>` and
 * `transfer-return-<provider reference key>`. It holds no money: its one ledger step moves the
 * money, the read model, the event and the audit row in one transaction (or nothing), and the row
 * lock that step takes on the payment or transfer orders corrections of the same one. A business
 * refusal ends the run with the refusal as its outcome; a technical fault is retried until done.
 */

/** The outcome of a step the ledger refused for a business rule; undefined for anything else. */
export function refusalOf(error: unknown): CorrectionOutcome | undefined {
  const cause = businessCause(error);
  if (!cause) return undefined;
  return {
    ok: false,
    code: cause.type ?? 'UNKNOWN',
    message: cause.message,
    metadata: (cause.details?.[0] ?? {}) as Record<string, unknown>,
  };
}

/** Reverses part or all of a Posted payment (API: POST /internal/Payments/{id}/reverse). */
export async function paymentReversalWorkflow(input: PaymentReversalInput): Promise<CorrectionOutcome> {
  const reverse = localThenBackground(localLedger.reversePayment, durable.reversePayment);
  try {
    await reverse({ ...input, entryKey: `${workflowInfo().workflowId}/reverse` });
    return { ok: true };
  } catch (error) {
    const refused = refusalOf(error);
    if (!refused) throw new UnexpectedStepFailure(`reversing payment ${input.paymentId}`, error);
    return refused;
  }
}

/** Books an outgoing transfer the provider reports as returned (API: POST .../outgoing/{id}/returned). */
export async function transferReturnWorkflow(input: TransferReturnInput): Promise<CorrectionOutcome> {
  const book = localThenBackground(localLedger.bookTransferReturn, durable.bookTransferReturn);
  try {
    await book({ ...input, entryKey: `${workflowInfo().workflowId}/return` });
    return { ok: true };
  } catch (error) {
    const refused = refusalOf(error);
    if (!refused) throw new UnexpectedStepFailure(`booking the return of transfer ${input.transferId}`, error);
    return refused;
  }
}
