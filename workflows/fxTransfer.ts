import { workflowInfo } from '@temporalio/workflow';
import { businessCause } from '../contract/failures';
import type { FxTransferInput } from '../contract/types';
import { type FxAction, type FxStatus, planFxAction, quoteExpired } from '../domain/fx';
import { background, durable, interactive } from './activityPolicies';
import { runConfirmableTransfer, type TransferOutcome } from './confirmableTransfer';
import { fxInputProblem } from './inputChecks';
import { AccountIdKey, ClientIdKey, TransferTypeKey } from './searchAttributes';

export type FxOutcome = TransferOutcome;

const QUOTE_EXPIRED = 'the quote expired before it was confirmed';

/**
 * One FX transfer (`transfer-<uuid>`) between two accounts of a client in different currencies, a
 * confirmable transfer (workflows/confirmableTransfer.ts): the quote is locked and the sell amount
 * held (PendingConfirmation, code sent); the code confirms it and both legs post through the
 * fx_position accounts in one transaction (Completed); a cancel releases the hold (Cancelled); the
 * window is the quote's lifetime, after which the hold goes back too (Expired).
 */
export async function fxTransferWorkflow(input: FxTransferInput): Promise<FxOutcome> {
  const { record } = input;
  const workflowId = workflowInfo().workflowId;
  // Workflow time: deterministic, and the same clock as the expiry timer.
  const msToExpiry = () => Date.parse(record.quoteExpiresAt) - Date.now();

  return runConfirmableTransfer<FxStatus, FxAction>({
    transferId: record.transferId,
    confirmationId: record.confirmationId,
    debitAccountId: record.sourceAccountId,
    noun: 'exchange',
    plan: planFxAction,
    isFinal: (status) => status !== 'PendingConfirmation',
    inputProblem: fxInputProblem(input),
    searchAttributes: [
      { key: TransferTypeKey, value: 'Fx' },
      { key: ClientIdKey, value: record.clientId },
      { key: AccountIdKey, value: [record.sourceAccountId, record.targetAccountId] },
    ],
    open: () => interactive.openFxTransfer({ record, workflowId }),
    sendCode: (sendId, from) => (from === 'flow' ? background : interactive).sendFxCode({ record, sendId }),
    // A caller waits in a handler (bounded retries); in the workflow's own flow it must happen. It
    // releases as Cancelled or Expired, always with one of the reasons below.
    release: (status, reason, from) =>
      (from === 'flow' ? durable : background).releaseFx({
        record,
        workflowId,
        status: status as 'Cancelled' | 'Expired',
        reason: reason as string,
      }),
    failedStatus: 'Cancelled',
    window: { ms: () => Math.max(1, msToExpiry()), ends: 'Expired', reason: QUOTE_EXPIRED },
    beforeCheck: async (run) => {
      if (msToExpiry() > 0) return;
      await run.release('Expired', QUOTE_EXPIRED, 'handler');
      throw quoteExpired();
    },
    confirmed: async (run) => {
      try {
        await background.settleFx({ record, workflowId });
      } catch (error) {
        // The ledger refused a leg (an account blocked meanwhile): nothing posted, the hold goes back.
        const cause = businessCause(error);
        if (!cause) throw error;
        await run.release('Cancelled', `the exchange could not be settled: ${cause.message}`, 'handler');
        throw error;
      }
      run.setStatus('Completed');
    },
  });
}
