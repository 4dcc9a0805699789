import {
  type ApplicationFailure,
  allHandlersFinished,
  condition,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { businessCause, inputRefusal, REJECTS_INVALID_INPUT, UnexpectedStepFailure } from '../contract/failures';
import { cancelUpdate, createdUpdate, paymentStateQuery, pendUpdate, postUpdate } from '../contract/paymentMessages';
import type { CancelRequest, PaymentInput, PaymentState, PendRequest, PostRequest } from '../contract/types';
import { ErrorCode } from '../domain/errors';
import { DEFAULT_HOLD_MS, isTerminal, type PaymentAction, type PaymentStatus, planTransition } from '../domain/payment';
import { durable, interactive, LOCAL_LEDGER_STEPS, localLedger, localThenBackground } from './activityPolicies';
import { paymentInputProblem } from './inputChecks';
import { AccountIdKey, PaymentStatusKey } from './searchAttributes';
import { oneAtATime, validatorFor } from './turns';

/** The outcome of the workflow: the final status, or Rejected when an immediate payment was refused. */
export type PaymentOutcome = PaymentState | { status: 'Rejected'; code: string };

/**
 * One payment, one workflow (`payment-<uuid>`). Status changes the API waits for are Updates whose
 * validators reject an invalid transition before it enters history. Updates run one at a time.
 */
export async function paymentWorkflow(input: PaymentInput): Promise<PaymentOutcome> {
  // Read once, first: the whole run takes one path (docs/changing-workflows.md).
  const localLedgerSteps = patched(LOCAL_LEDGER_STEPS);
  /**
   * The ledger steps the API waits for (create, hold, post, cancel): short and idempotent (entry ids
   * derived from the workflow id and step), so local activities under the patch. The hold expiring
   * stays a normal activity under `background`: nobody waits for it, and its hour of retries through
   * an outage must not hold the workflow task open.
   */
  const ledger = localLedgerSteps ? localLedger : interactive;
  const workflowId = workflowInfo().workflowId;
  let status: PaymentStatus | undefined;
  let refusal: ApplicationFailure | undefined;
  const inTurn = oneAtATime();
  /** Holds the ledger refused for good (insufficient funds): each retry after one needs a new id. */
  let refusedHolds = 0;
  let pendingEntryKey: string | null = null;
  let holdExpiresAt: string | null = input.holdExpiresAt;
  const record = {
    paymentId: input.paymentId,
    debitAccountId: input.debitAccountId,
    creditAccountId: input.creditAccountId,
    amountMinor: input.amountMinor,
    currency: input.currency,
    description: input.description,
    reference: input.reference,
  };

  const state = (): PaymentState => ({ status: status as PaymentStatus });
  const setStatus = (next: PaymentStatus) => {
    status = next;
    upsertSearchAttributes([{ key: PaymentStatusKey, value: next }]);
  };

  /** Applies an action if the state machine still allows it once the action has its turn. */
  const transition = (action: PaymentAction, apply: () => Promise<void>): Promise<PaymentState> =>
    inTurn(async () => {
      if (planTransition(status as PaymentStatus, action) === 'apply') await apply();
      return state();
    });

  const validate = (action: PaymentAction) => validatorFor(() => status, planTransition, action);

  const releaseHold = (reason: string | null, activities: Pick<Activities, 'releasePayment'>, actor?: PostRequest['actor']) => {
    const entryKey = pendingEntryKey === null ? null : `${workflowId}/void`;
    return activities.releasePayment({
      paymentId: input.paymentId,
      entryKey,
      pendingEntryKey,
      reason,
      actor,
      auditKey: `${workflowId}/cancel`,
    });
  };

  setHandler(createdUpdate, async () => {
    await condition(() => status !== undefined || refusal !== undefined);
    if (refusal) throw refusal;
    return state();
  });

  setHandler(
    pendUpdate,
    (request: PendRequest) =>
      transition('pend', async () => {
        // A refused hold stays refused under its id, so the next try after a refusal takes a new one.
        // Any other failure (a timeout) keeps the id: that attempt may have written the hold, and
        // trying the same id again finds it instead of holding the funds twice.
        const entryKey = `${workflowId}/hold/${refusedHolds + 1}`;
        const expiresAt = request.holdExpiresAt ?? holdExpiresAt ?? new Date(Date.now() + DEFAULT_HOLD_MS).toISOString();
        try {
          await ledger.holdPayment({ paymentId: input.paymentId, entryKey, record, holdExpiresAt: expiresAt, actor: request.actor });
        } catch (error) {
          if (businessCause(error)) refusedHolds += 1;
          throw error;
        }
        pendingEntryKey = entryKey;
        holdExpiresAt = expiresAt;
        setStatus('Pending');
      }),
    { validator: validate('pend') },
  );

  setHandler(
    postUpdate,
    (request?: PostRequest) =>
      transition('post', async () => {
        await ledger.settlePayment({
          paymentId: input.paymentId,
          entryKey: `${workflowId}/post`,
          pendingEntryKey: pendingEntryKey as string,
          actor: request?.actor,
        });
        setStatus('Posted');
      }),
    { validator: validate('post') },
  );

  setHandler(
    cancelUpdate,
    (request: CancelRequest) =>
      transition('cancel', async () => {
        await releaseHold(request.reason ?? null, ledger, request.actor);
        setStatus('Cancelled');
      }),
    { validator: validate('cancel') },
  );

  setHandler(paymentStateQuery, () => (status === undefined ? null : state()));

  const problem = paymentInputProblem(input);
  if (problem && patched(REJECTS_INVALID_INPUT)) {
    refusal = inputRefusal(problem);
    upsertSearchAttributes([{ key: PaymentStatusKey, value: 'Rejected' }]);
    await condition(allHandlersFinished);
    return { status: 'Rejected', code: ErrorCode.VALIDATION_ERROR };
  }

  upsertSearchAttributes([{ key: AccountIdKey, value: [input.debitAccountId, input.creditAccountId] }]);
  // Once started, the payment must be recorded: a local attempt first, then (after a technical
  // give-up) a normal activity that retries until done; its ids make a repeat harmless.
  const create = localLedgerSteps ? localThenBackground(localLedger.createPayment, durable.createPayment) : ledger.createPayment;
  try {
    await create({
      ...record,
      postEntryKey: input.mode === 'immediate' ? `${workflowId}/post` : null,
      createdBy: input.createdBy,
      note: input.note ?? null,
    });
  } catch (error) {
    const cause = businessCause(error);
    if (!cause) throw new UnexpectedStepFailure(`recording payment ${input.paymentId}`, error);
    // An immediate payment that a business rule refused leaves no trace: no record, no entry.
    refusal = cause;
    upsertSearchAttributes([{ key: PaymentStatusKey, value: 'Rejected' }]);
    await condition(allHandlersFinished);
    return { status: 'Rejected', code: cause.type ?? 'UNKNOWN' };
  }
  setStatus(input.mode === 'immediate' ? 'Posted' : 'Draft');

  while (!isTerminal(status as PaymentStatus)) {
    const current = status;
    if (current !== 'Pending' || holdExpiresAt === null) {
      await condition(() => status !== current);
      continue;
    }
    const msLeft = Math.max(0, Date.parse(holdExpiresAt) - Date.now());
    const changed = await condition(() => status !== current, msLeft);
    if (changed) continue;
    try {
      await inTurn(async () => {
        if (status !== 'Pending') return;
        // Nobody waits for it and it must happen: retried until done (activityPolicies `durable`).
        await releaseHold('hold expired', durable);
        setStatus('Cancelled');
      });
    } catch (error) {
      // Refused for good (poison, a bug): the hold stays, and so does the run (never failed holding money).
      throw new UnexpectedStepFailure(`releasing the expired hold of payment ${input.paymentId}`, error);
    }
  }
  await condition(allHandlersFinished);
  return state();
}
