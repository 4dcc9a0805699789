import { condition, isCancellation, setHandler, TemporalFailure, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { businessCause } from '../contract/failures';
import { continueTransferUpdate, executeTransferUpdate } from '../contract/transferMessages';
import type { OutgoingTransferInput } from '../contract/types';
import { ErrorCode } from '../domain/errors';
import { isFinalTransferStatus, type OutgoingStatus, planTransferAction, type TransferAction } from '../domain/transfer';
import {
  background,
  durable,
  interactive,
  localLedger,
  localThenBackground,
  providerDecision,
  providerSubmission,
} from './activityPolicies';
import { runConfirmableTransfer, type TransferOutcome, type TransferRun } from './confirmableTransfer';
import { outgoingInputProblem } from './inputChecks';
import { AccountIdKey, ClientIdKey, TransferTypeKey } from './searchAttributes';

export type { TransferOutcome } from './confirmableTransfer';

type Run = TransferRun<OutgoingStatus, TransferAction>;

/**
 * One outgoing transfer (`transfer-<uuid>`), a confirmable transfer (workflows/confirmableTransfer.ts):
 * amount + fee held and a code sent (PendingConfirmation); confirmed by the code (Confirmed); then
 * settled inside the ledger (Internal) or sent to the provider (Processing) until it is Completed
 * or Failed. When the provider's retry budget runs out the transfer is Stuck until ops continue or
 * execute it.
 */
export async function outgoingTransferWorkflow(input: OutgoingTransferInput): Promise<TransferOutcome> {
  const { record, providerRetry } = input;
  /**
   * The ledger steps, each short and idempotent (entry ids `${workflowId}/hold-amount`, ...,
   * activities/transfers.ts `outgoingKeys`), are local activities:
   * - `localLedger` holds amount + fee when the transfer is created and settles it when ops execute
   *   it by hand (the API waits for both): bounded like `interactive`;
   * - `final` settles or releases the holds once decided (provider decision, cancel, expiry, a
   *   locked code): local first, then, after a technical failure, the normal `durable` activity that
   *   retries until it is done, which a local activity would do holding the workflow task open.
   * Everything else stays a normal activity: sending the one-time code (the notifier may be slow or
   * down, and a workflow task retried after a crash would send the client the message again),
   * submitting to the provider and polling it for its decision (seconds to minutes, up to
   * `decisionAttempts` tries, and a submission must survive a worker crash on its own), checking the
   * code, and the status and audit writes under `background`.
   */
  const final: Pick<Activities, 'settleOutgoing' | 'releaseOutgoing'> = {
    settleOutgoing: localThenBackground(localLedger.settleOutgoing, durable.settleOutgoing),
    releaseOutgoing: localThenBackground(localLedger.releaseOutgoing, durable.releaseOutgoing),
  };
  const workflowId = workflowInfo().workflowId;
  let continueRequested = false;
  let providerReference: string | null = null;

  const provider = providerSubmission(providerRetry);
  const decision = providerDecision(providerRetry);

  /** Handlers write with `background` (their caller waits); the workflow's own flow with `durable`. */
  const saveStatus = async (
    run: Run,
    next: OutgoingStatus,
    audit?: { action: string; actor: string; note: string | null },
    policy: Pick<Activities, 'setTransferStatus'> = background,
  ) => {
    await policy.setTransferStatus({
      transferId: record.transferId,
      status: next,
      ...(audit ? { audit: { ...audit, stepKey: `${workflowId}/${audit.action}/${workflowInfo().historyLength}` } } : {}),
    });
    run.setStatus(next);
  };

  return runConfirmableTransfer<OutgoingStatus, TransferAction>({
    transferId: record.transferId,
    confirmationId: record.confirmationId,
    debitAccountId: record.accountId,
    noun: 'transfer',
    plan: planTransferAction,
    isFinal: isFinalTransferStatus,
    inputProblem: outgoingInputProblem(input),
    searchAttributes: [
      { key: TransferTypeKey, value: record.type },
      { key: ClientIdKey, value: record.clientId },
      { key: AccountIdKey, value: [record.accountId] },
    ],
    open: () => localLedger.openOutgoingTransfer({ record, workflowId }),
    sendCode: (sendId, from) => (from === 'flow' ? background : interactive).sendTransferCode({ record, sendId }),
    // Local first, then retried until done, wherever it is asked from: a released hold is a decision
    // taken. It releases as Failed or Cancelled.
    release: (status, reason) => final.releaseOutgoing({ record, workflowId, status: status as 'Failed' | 'Cancelled', reason }),
    failedStatus: 'Failed',
    window: { ms: () => input.confirmationWindowMs, ends: 'Cancelled', reason: 'not confirmed in time' },
    confirmed: (run) => saveStatus(run, 'Confirmed'),
    handlers: opsHandlers,
    afterWindow: async (run) => {
      const proceed = await run.inTurn(async () => {
        if (run.status() !== 'Confirmed') return false;
        await saveStatus(run, 'Processing', undefined, durable);
        return true;
      });
      if (proceed) await settle(run);
    },
    // Once submitted, the provider may have the payment: only its decision or ops end the transfer.
    mayHaveLeft: (status) => (status === 'Processing' || status === 'Stuck') && record.type !== 'Internal',
  });

  /** Ops continue a Stuck transfer (retry the provider) or execute it by hand (settle it with their reference). */
  function opsHandlers(run: Run): void {
    setHandler(
      continueTransferUpdate,
      (request) =>
        run.transition('continue', async () => {
          await saveStatus(run, 'Processing', { action: 'continue', actor: request.actor, note: request.note });
          continueRequested = true;
        }),
      { validator: run.validate('continue') },
    );

    setHandler(
      executeTransferUpdate,
      (request) =>
        run.transition('execute', async () => {
          providerReference = request.providerReference;
          await localLedger.settleOutgoing({
            record,
            workflowId,
            providerReference,
            audit: { stepKey: `${workflowId}/execute`, action: 'execute', actor: request.actor, note: request.note },
          });
          run.setStatus('Completed');
        }),
      { validator: run.validate('execute') },
    );
  }

  /** Settles inside the ledger, or through the provider until it decides or ops step in. */
  async function settle(run: Run): Promise<void> {
    if (record.type === 'Internal') {
      try {
        await final.settleOutgoing({ record, workflowId, providerReference: null });
      } catch (error) {
        const cause = businessCause(error);
        if (!cause) throw error;
        // The ledger refused (the recipient's account was closed meanwhile, say): nothing moved, so
        // the holds go back. The reason names no account of the other client.
        const reason =
          cause.type === ErrorCode.ACCOUNT_NOT_ACTIVE
            ? 'the recipient account cannot receive the transfer'
            : 'the transfer could not be settled';
        await run.release('Failed', reason, 'flow');
        return;
      }
      run.setStatus('Completed');
      return;
    }
    while (run.status() === 'Processing') {
      try {
        providerReference ??= (await provider.submitToProvider({ record })).providerReference;
        const outcome = await decision.awaitProviderDecision({ providerReference });
        const reference = providerReference;
        await run.inTurn(async () => {
          if (run.status() !== 'Processing') return;
          if (outcome.accepted) {
            await final.settleOutgoing({ record, workflowId, providerReference: reference });
            run.setStatus('Completed');
          } else {
            await run.release('Failed', outcome.reason, 'flow');
          }
        });
      } catch (error) {
        if (!(error instanceof TemporalFailure) || isCancellation(error)) throw error;
        // The retry budget ran out: wait for ops (continue retries, execute settles by hand).
        continueRequested = false;
        await run.inTurn(async () => {
          if (run.status() === 'Processing') await saveStatus(run, 'Stuck', undefined, durable);
        });
        await condition(() => continueRequested || run.status() !== 'Stuck');
      }
    }
  }
}
