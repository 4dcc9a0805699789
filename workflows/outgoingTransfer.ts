import {
  ActivityFailure,
  type ApplicationFailure,
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ErrorCode } from '../domain/errors';
import { type OutgoingStatus, planTransferAction, type TransferAction } from '../domain/transfer';
import { background, interactive, LOCAL_LEDGER_STEPS, localLedger, localThenBackground } from './activityPolicies';
import { businessCause, inputRefusal, REJECTS_INVALID_INPUT } from './failures';
import { outgoingInputProblem } from './inputChecks';
import { AccountIdKey, ClientIdKey, TransferStatusKey, TransferTypeKey } from './searchAttributes';
import type { OutgoingTransferInput, TransferState } from './shared';
import {
  cancelTransferUpdate,
  confirmTransferUpdate,
  continueTransferUpdate,
  executeTransferUpdate,
  resendCodeUpdate,
  transferCreatedUpdate,
  transferStateQuery,
} from './transferMessages';
import { oneAtATime, validatorFor } from './turns';

/** Patch: a confirm that finds the transfer already confirmed checks its code too (was: 200 for any code). */
const REPEATED_CONFIRM_CHECKS_CODE = 'repeated-confirm-checks-code';
/** Patch: a wrong code that locks the confirmation for good cancels the transfer (was: it waited for the window). */
const LOCKED_CODE_CANCELS = 'locked-code-cancels';

const lockedForGood = (error: unknown) => {
  const cause = businessCause(error);
  return cause?.type === ErrorCode.OTP_ATTEMPTS_EXCEEDED && (cause.details?.[0] as { locked?: boolean } | undefined)?.locked === true;
};

export type TransferOutcome = TransferState | { status: 'Rejected'; code: string };

/**
 * One outgoing transfer (`transfer-<uuid>`): amount + fee held and a code sent
 * (PendingConfirmation); confirmed by the code; then settled inside the ledger (Internal) or sent
 * to the provider (Processing) until it is Completed or Failed. When the provider's retry budget
 * runs out the transfer is Stuck until ops continue or execute it.
 */
export async function outgoingTransferWorkflow(input: OutgoingTransferInput): Promise<TransferOutcome> {
  // Read once, first: the whole run takes one path (docs/changing-workflows.md).
  const localLedgerSteps = patched(LOCAL_LEDGER_STEPS);
  const { record, providerRetry } = input;
  /**
   * The ledger steps, each short and idempotent (entry ids `${workflowId}/hold-amount`, ...,
   * activities/transfers.ts `outgoingKeys`), are local activities under the patch:
   * - `ledger` holds amount + fee when the transfer is created and settles it when ops execute it
   *   by hand (the API waits for both): bounded like `interactive`, as before;
   * - `final` settles or releases the holds once decided (provider decision, cancel, expiry, a
   *   locked code): local first, then, after a technical failure, the normal `background` activity
   *   with its hour of retries, which a local activity would spend holding the workflow task open.
   * Everything else stays a normal activity: sending the one-time code (the notifier may be slow or
   * down, and a workflow task retried after a crash would send the client the message again),
   * submitting to the provider and polling it for its decision (seconds to minutes, up to
   * `decisionAttempts` tries, and a submission must survive a worker crash on its own), checking the
   * code, and the status and audit writes under `background`.
   */
  const ledger = localLedgerSteps ? localLedger : interactive;
  const final: Pick<Activities, 'settleOutgoing' | 'releaseOutgoing'> = localLedgerSteps
    ? {
        settleOutgoing: localThenBackground(localLedger.settleOutgoing, background.settleOutgoing),
        releaseOutgoing: localThenBackground(localLedger.releaseOutgoing, background.releaseOutgoing),
      }
    : background;
  const workflowId = workflowInfo().workflowId;
  let status: OutgoingStatus | undefined;
  let refusal: ApplicationFailure | undefined;
  const inTurn = oneAtATime();
  let continueRequested = false;
  let providerReference: string | null = null;

  const provider = proxyActivities<Activities>({
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: providerRetry.submitIntervalMs, backoffCoefficient: 2, maximumAttempts: providerRetry.submitAttempts },
  });
  const decision = proxyActivities<Activities>({
    startToCloseTimeout: '10 seconds',
    retry: {
      initialInterval: '200 milliseconds',
      backoffCoefficient: 1.5,
      maximumInterval: '2 seconds',
      maximumAttempts: providerRetry.decisionAttempts,
    },
  });

  const state = (): TransferState => ({ status: status as OutgoingStatus });
  const setStatus = (next: OutgoingStatus) => {
    status = next;
    upsertSearchAttributes([{ key: TransferStatusKey, value: next }]);
  };
  const saveStatus = async (next: OutgoingStatus, audit?: { action: string; actor: string; note: string | null }) => {
    await background.setTransferStatus({
      transferId: record.transferId,
      status: next,
      ...(audit ? { audit: { ...audit, stepKey: `${workflowId}/${audit.action}/${workflowInfo().historyLength}` } } : {}),
    });
    setStatus(next);
  };

  /** Runs an action's effect if the state machine allows it now (re-checked once it has the turn). */
  const transition = (action: TransferAction, apply: () => Promise<void>) =>
    inTurn(async () => {
      if (planTransferAction(status as OutgoingStatus, action) === 'apply') await apply();
      return state();
    });

  const validate = (action: TransferAction) => validatorFor(() => status, planTransferAction, action);

  const release = async (next: 'Failed' | 'Cancelled', reason: string | null) => {
    await final.releaseOutgoing({ record, workflowId, status: next, reason });
    setStatus(next);
  };

  setHandler(transferCreatedUpdate, async () => {
    await condition(() => status !== undefined || refusal !== undefined);
    if (refusal) throw refusal;
    return state();
  });

  setHandler(
    confirmTransferUpdate,
    ({ code }) =>
      inTurn(async () => {
        const checkCode = () => interactive.checkTransferCode({ confirmationId: record.confirmationId, code });
        if (planTransferAction(status as OutgoingStatus, 'confirm') === 'apply') {
          try {
            await checkCode();
          } catch (error) {
            // API.md: a code locked for good cancels its transfer and releases the hold.
            if (lockedForGood(error) && patched(LOCKED_CODE_CANCELS))
              await release('Cancelled', 'the code was locked after too many wrong attempts');
            throw error;
          }
          await saveStatus('Confirmed');
        } else if (patched(REPEATED_CONFIRM_CHECKS_CODE)) {
          // A confirm that lost the race to another confirm answers 200 only with the right code.
          await checkCode();
        }
        return state();
      }),
    { validator: validate('confirm') },
  );

  setHandler(cancelTransferUpdate, () => transition('cancel', () => release('Cancelled', 'cancelled by the client')), {
    validator: validate('cancel'),
  });

  setHandler(
    resendCodeUpdate,
    () =>
      inTurn(async () => {
        planTransferAction(status as OutgoingStatus, 'resend');
        // The update id names this send: a retried activity re-issues it instead of counting another resend.
        return interactive.sendTransferCode({ record, sendId: currentUpdateInfo()?.id });
      }),
    { validator: validate('resend') },
  );

  setHandler(
    continueTransferUpdate,
    (request) =>
      transition('continue', async () => {
        await saveStatus('Processing', { action: 'continue', actor: request.actor, note: request.note });
        continueRequested = true;
      }),
    { validator: validate('continue') },
  );

  setHandler(
    executeTransferUpdate,
    (request) =>
      transition('execute', async () => {
        providerReference = request.providerReference;
        await ledger.settleOutgoing({
          record,
          workflowId,
          providerReference,
          audit: { stepKey: `${workflowId}/execute`, action: 'execute', actor: request.actor, note: request.note },
        });
        setStatus('Completed');
      }),
    { validator: validate('execute') },
  );

  setHandler(transferStateQuery, () => (status === undefined ? null : state()));

  const problem = outgoingInputProblem(input);
  if (problem && patched(REJECTS_INVALID_INPUT)) {
    refusal = inputRefusal(problem);
    upsertSearchAttributes([{ key: TransferStatusKey, value: 'Rejected' }]);
    await condition(allHandlersFinished);
    return { status: 'Rejected', code: ErrorCode.VALIDATION_ERROR };
  }

  upsertSearchAttributes([
    { key: TransferTypeKey, value: record.type },
    { key: ClientIdKey, value: record.clientId },
    { key: AccountIdKey, value: [record.accountId] },
  ]);

  try {
    await ledger.openOutgoingTransfer({ record, workflowId });
  } catch (error) {
    const cause = businessCause(error);
    if (!cause) throw error;
    refusal = cause;
    upsertSearchAttributes([{ key: TransferStatusKey, value: 'Rejected' }]);
    await condition(allHandlersFinished);
    return { status: 'Rejected', code: cause.type ?? 'UNKNOWN' };
  }
  // Named like the resends, so a retried first send is a retry, not a resend (which is rate limited).
  await background.sendTransferCode({ record, sendId: 'first' });
  setStatus('PendingConfirmation');

  const answered = await condition(() => status !== 'PendingConfirmation', input.confirmationWindowMs);
  if (!answered) {
    await inTurn(async () => {
      if (status === 'PendingConfirmation') await release('Cancelled', 'not confirmed in time');
    });
  }

  const proceed = await inTurn(async () => {
    if (status !== 'Confirmed') return false;
    await saveStatus('Processing');
    return true;
  });
  if (proceed) await process();

  await condition(allHandlersFinished);
  return state();

  /** Settles inside the ledger, or through the provider until it decides or ops step in. */
  async function process(): Promise<void> {
    if (record.type === 'Internal') {
      await final.settleOutgoing({ record, workflowId, providerReference: null });
      setStatus('Completed');
      return;
    }
    while (status === 'Processing') {
      try {
        providerReference ??= (await provider.submitToProvider({ record })).providerReference;
        const outcome = await decision.awaitProviderDecision({ providerReference });
        const reference = providerReference;
        await inTurn(async () => {
          if (status !== 'Processing') return;
          if (outcome.accepted) {
            await final.settleOutgoing({ record, workflowId, providerReference: reference });
            setStatus('Completed');
          } else {
            await release('Failed', outcome.reason);
          }
        });
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        // The retry budget ran out: wait for ops (continue retries, execute settles by hand).
        continueRequested = false;
        await inTurn(async () => {
          if (status === 'Processing') await saveStatus('Stuck');
        });
        await condition(() => continueRequested || status !== 'Stuck');
      }
    }
  }
}
