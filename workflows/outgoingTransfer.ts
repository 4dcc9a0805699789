import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  isCancellation,
  patched,
  setHandler,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { businessCause, inputRefusal, REJECTS_INVALID_INPUT, UnexpectedStepFailure } from '../contract/failures';
import {
  cancelTransferUpdate,
  confirmTransferUpdate,
  continueTransferUpdate,
  executeTransferUpdate,
  resendCodeUpdate,
  transferCreatedUpdate,
  transferStateQuery,
} from '../contract/transferMessages';
import type { OutgoingTransferInput, TransferState } from '../contract/types';
import { ErrorCode } from '../domain/errors';
import { isFinalTransferStatus as isFinal, type OutgoingStatus, planTransferAction, type TransferAction } from '../domain/transfer';
import {
  background,
  durable,
  interactive,
  LOCAL_LEDGER_STEPS,
  localLedger,
  localThenBackground,
  providerDecision,
  providerSubmission,
} from './activityPolicies';
import { outgoingInputProblem } from './inputChecks';
import { AccountIdKey, ClientIdKey, TransferStatusKey, TransferTypeKey } from './searchAttributes';
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
   *   locked code): local first, then, after a technical failure, the normal `durable` activity that
   *   retries until it is done, which a local activity would do holding the workflow task open.
   * Everything else stays a normal activity: sending the one-time code (the notifier may be slow or
   * down, and a workflow task retried after a crash would send the client the message again),
   * submitting to the provider and polling it for its decision (seconds to minutes, up to
   * `decisionAttempts` tries, and a submission must survive a worker crash on its own), checking the
   * code, and the status and audit writes under `background`.
   */
  const ledger = localLedgerSteps ? localLedger : interactive;
  const final: Pick<Activities, 'settleOutgoing' | 'releaseOutgoing'> = localLedgerSteps
    ? {
        settleOutgoing: localThenBackground(localLedger.settleOutgoing, durable.settleOutgoing),
        releaseOutgoing: localThenBackground(localLedger.releaseOutgoing, durable.releaseOutgoing),
      }
    : durable;
  const workflowId = workflowInfo().workflowId;
  let status: OutgoingStatus | undefined;
  let refusal: ApplicationFailure | undefined;
  const inTurn = oneAtATime();
  let continueRequested = false;
  let providerReference: string | null = null;

  const provider = providerSubmission(providerRetry);
  const decision = providerDecision(providerRetry);

  const state = (): TransferState => ({ status: status as OutgoingStatus });
  const setStatus = (next: OutgoingStatus) => {
    status = next;
    upsertSearchAttributes([{ key: TransferStatusKey, value: next }]);
  };
  /** Handlers write with `background` (their caller waits); the workflow's own flow with `durable`. */
  const saveStatus = async (
    next: OutgoingStatus,
    audit?: { action: string; actor: string; note: string | null },
    policy: Pick<Activities, 'setTransferStatus'> = background,
  ) => {
    await policy.setTransferStatus({
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
    (presented) =>
      inTurn(async () => {
        const checkCode = (debitAccountId?: string) =>
          interactive.checkTransferCode({ confirmationId: record.confirmationId, ...presented, debitAccountId });
        if (planTransferAction(status as OutgoingStatus, 'confirm') === 'apply') {
          try {
            // Confirming lets the money leave: refused while the client or account is blocked.
            await checkCode(record.accountId);
          } catch (error) {
            // docs/api.md: a code locked for good cancels its transfer and releases the hold.
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
    const cause = businessCause(error) ?? (await gaveUpOpening(error));
    refusal = cause;
    upsertSearchAttributes([{ key: TransferStatusKey, value: 'Rejected' }]);
    await condition(allHandlersFinished);
    return { status: 'Rejected', code: cause.type ?? 'UNKNOWN' };
  }
  try {
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
      await saveStatus('Processing', undefined, durable);
      return true;
    });
    if (proceed) await process();
  } catch (error) {
    await endHoldingNothing(error);
  }

  await condition(allHandlersFinished);
  return state();

  /**
   * The hold step gave up on a technical fault: its write may have reached the ledger with the
   * answer lost. Whatever it held is released (the transfer, if recorded, ends Failed) and the
   * creation is refused as 503, safe to retry.
   */
  async function gaveUpOpening(error: unknown): Promise<ApplicationFailure> {
    // A local activity's failure arrives as the failure itself, a normal one's inside an ActivityFailure.
    if (!(error instanceof TemporalFailure) || isCancellation(error)) throw error;
    await release('Failed', 'the transfer could not be opened');
    return ApplicationFailure.create({
      type: ErrorCode.SERVICE_UNAVAILABLE,
      message: 'the transfer could not be opened',
      nonRetryable: true,
    });
  }

  /**
   * A step of the workflow's own flow failed for good after the hold: nothing has left the bank
   * unless the provider has the payment, so the holds go back and the transfer is Failed; with the
   * provider involved it waits for ops as Stuck (process() does that for its own steps). What
   * cannot end so (the release itself refused) retries the workflow task: never failed holding money.
   */
  async function endHoldingNothing(error: unknown): Promise<void> {
    if (!(error instanceof TemporalFailure) || isCancellation(error)) throw error;
    if (status !== undefined && isFinal(status)) return;
    const providerMayHaveIt = (status === 'Processing' || status === 'Stuck') && record.type !== 'Internal';
    if (providerMayHaveIt) throw new UnexpectedStepFailure(`the ${status} step of transfer ${record.transferId}`, error);
    try {
      await inTurn(async () => {
        if (status === undefined || !isFinal(status)) await release('Failed', 'the transfer could not be completed');
      });
    } catch (releaseError) {
      throw new UnexpectedStepFailure(`releasing transfer ${record.transferId}`, releaseError);
    }
  }

  /** Settles inside the ledger, or through the provider until it decides or ops step in. */
  async function process(): Promise<void> {
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
        await release('Failed', reason);
        return;
      }
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
        if (!(error instanceof TemporalFailure) || isCancellation(error)) throw error;
        // The retry budget ran out: wait for ops (continue retries, execute settles by hand).
        continueRequested = false;
        await inTurn(async () => {
          if (status === 'Processing') await saveStatus('Stuck', undefined, durable);
        });
        await condition(() => continueRequested || status !== 'Stuck');
      }
    }
  }
}
