import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  isCancellation,
  setHandler,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { businessCause, inputRefusal, UnexpectedStepFailure } from '../contract/failures';
import {
  cancelTransferUpdate,
  confirmTransferUpdate,
  resendCodeUpdate,
  transferCreatedUpdate,
  transferStateQuery,
} from '../contract/transferMessages';
import type { FxTransferInput, TransferState } from '../contract/types';
import { ErrorCode } from '../domain/errors';
import { type FxAction, type FxStatus, planFxAction, quoteExpired } from '../domain/fx';
import type { PresentedCode } from '../domain/otpPolicy';
import { background, durable, interactive } from './activityPolicies';
import { fxInputProblem } from './inputChecks';
import { AccountIdKey, ClientIdKey, TransferStatusKey, TransferTypeKey } from './searchAttributes';
import { oneAtATime, validatorFor } from './turns';

export type FxOutcome = TransferState | { status: 'Rejected'; code: string };

const lockedForGood = (error: unknown) => {
  const cause = businessCause(error);
  return cause?.type === ErrorCode.OTP_ATTEMPTS_EXCEEDED && (cause.details?.[0] as { locked?: boolean } | undefined)?.locked === true;
};

/**
 * One FX transfer (`transfer-<uuid>`) between two accounts of a client in different currencies:
 * the quote is locked and the sell amount held (PendingConfirmation, code sent); the code confirms
 * it and both legs post through the fx_position accounts in one transaction (Completed); a cancel
 * releases the hold (Cancelled); a timer at quoteExpiresAt releases it too (Expired).
 */
export async function fxTransferWorkflow(input: FxTransferInput): Promise<FxOutcome> {
  const { record } = input;
  const workflowId = workflowInfo().workflowId;
  let status: FxStatus | undefined;
  let refusal: ApplicationFailure | undefined;
  const inTurn = oneAtATime();

  const state = (): TransferState => ({ status: status as FxStatus });
  const setStatus = (next: FxStatus) => {
    status = next;
    upsertSearchAttributes([{ key: TransferStatusKey, value: next }]);
  };
  /** Releases the hold; `durable` in the workflow's own flow, where nobody waits and it must happen. */
  const release = async (next: 'Cancelled' | 'Expired', reason: string, policy: Pick<Activities, 'releaseFx'> = background) => {
    await policy.releaseFx({ record, workflowId, status: next, reason });
    setStatus(next);
  };
  const validate = (action: FxAction) => validatorFor(() => status, planFxAction, action);
  const checkCode = (presented: PresentedCode, debitAccountId?: string) =>
    interactive.checkTransferCode({ confirmationId: record.confirmationId, ...presented, debitAccountId });
  // Workflow time: deterministic, and the same clock as the expiry timer.
  const quoteExpired_ = () => Date.now() >= Date.parse(record.quoteExpiresAt);

  setHandler(transferCreatedUpdate, async () => {
    await condition(() => status !== undefined || refusal !== undefined);
    if (refusal) throw refusal;
    return state();
  });

  setHandler(
    confirmTransferUpdate,
    (presented) =>
      inTurn(async () => {
        if (planFxAction(status as FxStatus, 'confirm') === 'unchanged') {
          // A repeated confirm answers 200 only with the code that confirmed it.
          await checkCode(presented);
          return state();
        }
        if (quoteExpired_()) {
          await release('Expired', 'the quote expired before it was confirmed');
          throw quoteExpired();
        }
        try {
          // Confirming lets the money leave: refused while the client or the account is blocked.
          await checkCode(presented, record.sourceAccountId);
        } catch (error) {
          // As for outgoing transfers: a code locked for good cancels the transfer.
          if (lockedForGood(error)) await release('Cancelled', 'the code was locked after too many wrong attempts');
          throw error;
        }
        try {
          await background.settleFx({ record, workflowId });
        } catch (error) {
          // The ledger refused a leg (an account blocked meanwhile): nothing posted, the hold goes back.
          if (!businessCause(error)) throw error;
          await release('Cancelled', `the exchange could not be settled: ${businessCause(error)?.message}`);
          throw error;
        }
        setStatus('Completed');
        return state();
      }),
    { validator: validate('confirm') },
  );

  setHandler(
    cancelTransferUpdate,
    () =>
      inTurn(async () => {
        if (planFxAction(status as FxStatus, 'cancel') === 'apply') await release('Cancelled', 'cancelled by the client');
        return state();
      }),
    { validator: validate('cancel') },
  );

  setHandler(
    resendCodeUpdate,
    () =>
      inTurn(async () => {
        planFxAction(status as FxStatus, 'resend');
        return interactive.sendFxCode({ record, sendId: currentUpdateInfo()?.id });
      }),
    { validator: validate('resend') },
  );

  setHandler(transferStateQuery, () => (status === undefined ? null : state()));

  const problem = fxInputProblem(input);
  if (problem) {
    refusal = inputRefusal(problem);
    upsertSearchAttributes([{ key: TransferStatusKey, value: 'Rejected' }]);
    await condition(allHandlersFinished);
    return { status: 'Rejected', code: ErrorCode.VALIDATION_ERROR };
  }

  upsertSearchAttributes([
    { key: TransferTypeKey, value: 'Fx' },
    { key: ClientIdKey, value: record.clientId },
    { key: AccountIdKey, value: [record.sourceAccountId, record.targetAccountId] },
  ]);

  try {
    await interactive.openFxTransfer({ record, workflowId });
  } catch (error) {
    const cause = businessCause(error) ?? (await gaveUpOpening(error));
    refusal = cause;
    upsertSearchAttributes([{ key: TransferStatusKey, value: 'Rejected' }]);
    await condition(allHandlersFinished);
    return { status: 'Rejected', code: cause.type ?? 'UNKNOWN' };
  }
  try {
    await background.sendFxCode({ record, sendId: 'first' });
    setStatus('PendingConfirmation');

    // The quote is locked until quoteExpiresAt; then the timer releases the hold.
    const lockedMs = Math.max(1, Date.parse(record.quoteExpiresAt) - Date.now());
    const answered = await condition(() => status !== 'PendingConfirmation', lockedMs);
    if (!answered) {
      await inTurn(async () => {
        if (status === 'PendingConfirmation') await release('Expired', 'the quote expired before it was confirmed', durable);
      });
    }
  } catch (error) {
    await endHoldingNothing(error);
  }

  await condition(allHandlersFinished);
  return state();

  /** As for outgoing transfers: a hold step that gave up may have held; release it, refuse as 503. */
  async function gaveUpOpening(error: unknown): Promise<ApplicationFailure> {
    // A local activity's failure arrives as the failure itself, a normal one's inside an ActivityFailure.
    if (!(error instanceof TemporalFailure) || isCancellation(error)) throw error;
    await release('Cancelled', 'the exchange could not be opened', durable);
    return ApplicationFailure.create({
      type: ErrorCode.SERVICE_UNAVAILABLE,
      message: 'the exchange could not be opened',
      nonRetryable: true,
    });
  }

  /** A step of the workflow's own flow failed for good: the hold goes back (Cancelled); never failed holding money. */
  async function endHoldingNothing(error: unknown): Promise<void> {
    if (!(error instanceof TemporalFailure) || isCancellation(error)) throw error;
    try {
      await inTurn(async () => {
        if (status === undefined || status === 'PendingConfirmation')
          await release('Cancelled', 'the exchange could not be completed', durable);
      });
    } catch (releaseError) {
      throw new UnexpectedStepFailure(`releasing exchange ${record.transferId}`, releaseError);
    }
  }
}
