import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  isCancellation,
  setHandler,
  TemporalFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { businessCause, inputRefusal, UnexpectedStepFailure } from '../contract/failures';
import {
  cancelTransferUpdate,
  confirmTransferUpdate,
  resendCodeUpdate,
  transferCreatedUpdate,
  transferStateQuery,
} from '../contract/transferMessages';
import type { TransferState } from '../contract/types';
import { ErrorCode } from '../domain/errors';
import type { PresentedCode } from '../domain/otpPolicy';
import type { TransferStatus } from '../domain/transfer';
import { interactive } from './activityPolicies';
import { createdUpdateOf, type Rejected } from './creation';
import type { InputProblem } from './inputChecks';
import { TransferStatusKey } from './searchAttributes';
import { oneAtATime, validatorFor } from './turns';

export type TransferOutcome = TransferState | Rejected;

/** The actions every confirmable transfer's state machine knows. */
type SkeletonAction = 'confirm' | 'cancel' | 'resend';

/**
 * Where a step runs: in an update handler (a caller waits for it, so its retries are bounded) or in
 * the workflow's own flow (a timer fired, a step failed: nobody waits, and it must happen).
 */
export type StepFrom = 'handler' | 'flow';

/** The statuses of the skeleton's own steps; each kind's status type contains them. */
type SkeletonStatus = 'PendingConfirmation' | 'Cancelled';

/**
 * What differs between two kinds of confirmable transfer (outgoing, FX): their states, their
 * ledger steps and what confirming leads to. Everything else is the skeleton's.
 */
export interface ConfirmableTransferKind<S extends TransferStatus, A extends string> {
  transferId: string;
  /** The one-time code's confirmation, and the account a confirmed transfer debits (refused while blocked). */
  confirmationId: string;
  debitAccountId: string;
  /** Names the transfer in the reasons it records: `the ${noun} could not be opened`. */
  noun: string;
  plan: (status: S, action: A | SkeletonAction) => 'apply' | 'unchanged';
  isFinal: (status: S) => boolean;
  /** What the input checks found wrong, before anything is recorded. */
  inputProblem: InputProblem | undefined;
  /** The search attributes the Temporal UI lists it by (type, client, accounts). */
  searchAttributes: Parameters<typeof upsertSearchAttributes>[0];
  /** Records the transfer and holds its money; a business failure refuses the creation. */
  open(): Promise<unknown>;
  /** Sends a one-time code under `sendId` (a repeat of the same id is a retry, not a resend). */
  sendCode(sendId: string | undefined, from: StepFrom): Promise<{ expiresAt: string }>;
  /** Releases the held money and records `status` with `reason`. */
  release(status: S, reason: string | null, from: StepFrom): Promise<unknown>;
  /** The status a transfer ends in when a step failed for good after the hold. */
  failedStatus: S;
  /** How long the client has to confirm, read once the first code is sent, and what it ends in then. */
  window: { ms: () => number; ends: S; reason: string };
  /** Before the code is checked (FX: a quote past its expiry cannot be confirmed). */
  beforeCheck?: (run: TransferRun<S, A>) => Promise<void>;
  /** The code was right: what confirming does (record Confirmed, or settle at once). */
  confirmed(run: TransferRun<S, A>): Promise<void>;
  /** Registers the kind's own update handlers; called before the workflow's first await. */
  handlers?: (run: TransferRun<S, A>) => void;
  /** After the window closed, in the workflow's own flow (outgoing: settle a confirmed transfer). */
  afterWindow?: (run: TransferRun<S, A>) => Promise<void>;
  /**
   * Whether money may have left the bank by now (the provider may have the payment): then a step
   * that failed for good does not release, and the run waits for a fix (never failed holding money).
   */
  mayHaveLeft?: (status: S | undefined) => boolean;
}

/** The skeleton's state and tools, for a kind's callbacks and handlers. */
export interface TransferRun<S extends TransferStatus, A extends string> {
  status(): S | undefined;
  setStatus(next: S): void;
  state(): TransferState;
  inTurn: ReturnType<typeof oneAtATime>;
  /** Runs an action's effect if the state machine allows it now (re-checked once it has the turn). */
  transition(action: A | SkeletonAction, apply: () => Promise<void>): Promise<TransferState>;
  validate(action: A | SkeletonAction): ReturnType<typeof validatorFor>;
  /** Releases the hold and records the final status. */
  release(next: S, reason: string | null, from: StepFrom): Promise<void>;
}

/** A wrong code that locked the confirmation for good (not only this code: a resend cannot help). */
function lockedForGood(error: unknown): boolean {
  const cause = businessCause(error);
  return cause?.type === ErrorCode.OTP_ATTEMPTS_EXCEEDED && (cause.details?.[0] as { locked?: boolean } | undefined)?.locked === true;
}

/**
 * One confirmable transfer (`transfer-<uuid>`): the money held and a code sent
 * (PendingConfirmation); the client confirms with the code (a wrong code is refused, a code locked
 * for good cancels it), cancels, or lets the window close; then the kind settles it or the hold
 * goes back. Updates take turns (workflows/turns.ts). No run ends failed holding money: a step
 * that fails for good releases the hold, or waits for ops when money may have left.
 */
export async function runConfirmableTransfer<S extends TransferStatus, A extends string>(
  kind: ConfirmableTransferKind<S, A>,
): Promise<TransferOutcome> {
  let status: S | undefined;
  const inTurn = oneAtATime();
  const state = (): TransferState => ({ status: status as S });
  const setStatus = (next: S) => {
    status = next;
    upsertSearchAttributes([{ key: TransferStatusKey, value: next }]);
  };
  const release = async (next: S, reason: string | null, from: StepFrom) => {
    await kind.release(next, reason, from);
    setStatus(next);
  };
  const run: TransferRun<S, A> = {
    status: () => status,
    setStatus,
    state,
    inTurn,
    transition: (action, apply) =>
      inTurn(async () => {
        if (kind.plan(status as S, action) === 'apply') await apply();
        return state();
      }),
    validate: (action) => validatorFor(() => status, kind.plan, action),
    release,
  };
  // Every kind's statuses include the skeleton's own.
  const skeleton = (own: SkeletonStatus) => own as S;
  const checkCode = (presented: PresentedCode, debitAccountId?: string) =>
    interactive.checkTransferCode({ confirmationId: kind.confirmationId, ...presented, debitAccountId });

  const created = createdUpdateOf(transferCreatedUpdate, () => status !== undefined, state, TransferStatusKey);

  setHandler(
    confirmTransferUpdate,
    (presented) =>
      inTurn(async () => {
        if (kind.plan(status as S, 'confirm') !== 'apply') {
          // A confirm that finds it confirmed answers 200 only with the right code.
          await checkCode(presented);
          return state();
        }
        await kind.beforeCheck?.(run);
        try {
          // Confirming lets the money leave: refused while the client or the account is blocked.
          await checkCode(presented, kind.debitAccountId);
        } catch (error) {
          // A code locked for good cancels its transfer and releases the hold (docs/api.md).
          if (lockedForGood(error)) await release(skeleton('Cancelled'), 'the code was locked after too many wrong attempts', 'handler');
          throw error;
        }
        await kind.confirmed(run);
        return state();
      }),
    { validator: run.validate('confirm') },
  );

  setHandler(
    cancelTransferUpdate,
    () => run.transition('cancel', () => release(skeleton('Cancelled'), 'cancelled by the client', 'handler')),
    {
      validator: run.validate('cancel'),
    },
  );

  setHandler(
    resendCodeUpdate,
    () =>
      inTurn(async () => {
        kind.plan(status as S, 'resend');
        // The update id names this send: a retried activity re-issues it instead of counting another resend.
        return kind.sendCode(currentUpdateInfo()?.id, 'handler');
      }),
    { validator: run.validate('resend') },
  );

  kind.handlers?.(run);
  setHandler(transferStateQuery, () => (status === undefined ? null : state()));

  if (kind.inputProblem) return created.reject(inputRefusal(kind.inputProblem));

  upsertSearchAttributes(kind.searchAttributes);

  try {
    await kind.open();
  } catch (error) {
    return created.reject(businessCause(error) ?? (await gaveUpOpening(error)));
  }
  try {
    // Named like the resends, so a retried first send is a retry, not a resend (which is rate limited).
    await kind.sendCode('first', 'flow');
    setStatus(skeleton('PendingConfirmation'));

    const answered = await condition(() => status !== 'PendingConfirmation', kind.window.ms());
    if (!answered) {
      await inTurn(async () => {
        if (status === 'PendingConfirmation') await release(kind.window.ends, kind.window.reason, 'flow');
      });
    }
    await kind.afterWindow?.(run);
  } catch (error) {
    await endHoldingNothing(error);
  }

  await condition(allHandlersFinished);
  return state();

  /**
   * The hold step gave up on a technical fault: its write may have reached the ledger with the
   * answer lost. Whatever it held is released (the transfer, if recorded, ends failed) and the
   * creation is refused as 503, safe to retry.
   */
  async function gaveUpOpening(error: unknown): Promise<ApplicationFailure> {
    // A local activity's failure arrives as the failure itself, a normal one's inside an ActivityFailure.
    if (!(error instanceof TemporalFailure) || isCancellation(error)) throw error;
    const reason = `the ${kind.noun} could not be opened`;
    await release(kind.failedStatus, reason, 'flow');
    return ApplicationFailure.create({ type: ErrorCode.SERVICE_UNAVAILABLE, message: reason, nonRetryable: true });
  }

  /**
   * A step of the workflow's own flow failed for good after the hold: unless money may have left,
   * the hold goes back and the transfer ends failed. What cannot end so (the release itself
   * refused, or money may have left) retries the workflow task: never failed holding money.
   */
  async function endHoldingNothing(error: unknown): Promise<void> {
    if (!(error instanceof TemporalFailure) || isCancellation(error)) throw error;
    if (status !== undefined && kind.isFinal(status)) return;
    if (kind.mayHaveLeft?.(status)) throw new UnexpectedStepFailure(`the ${status} step of ${kind.noun} ${kind.transferId}`, error);
    try {
      await inTurn(async () => {
        if (status === undefined || !kind.isFinal(status))
          await release(kind.failedStatus, `the ${kind.noun} could not be completed`, 'flow');
      });
    } catch (releaseError) {
      throw new UnexpectedStepFailure(`releasing ${kind.noun} ${kind.transferId}`, releaseError);
    }
  }
}
