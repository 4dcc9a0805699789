import { WithStartWorkflowOperation } from '@temporalio/client';
import { cancelUpdate, createdUpdate, pendUpdate, postUpdate } from '../contract/paymentMessages';
import type { CancelRequest, PendRequest } from '../contract/types';
import type { Caller } from '../domain/caller';
import { requireLedgerCurrency } from '../domain/currency';
import { DomainError, ErrorCode, NotFoundError, ValidationError } from '../domain/errors';
import { derivedId, newId, paymentWorkflowId } from '../domain/ids';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import { type PaymentAction, planTransition } from '../domain/payment';
import { checkMovement, entriesOfPayment } from '../ledger/journal';
import { getPaymentWithEntries, listPayments, type PaymentFilter, type PaymentRow, type PaymentWithEntries } from '../store/payments';
import type { paymentWorkflow } from '../workflows/payment';
import type { UseCaseDeps } from './deps';
import { sendUpdate } from './workflowCalls';

export type { PaymentWithEntries };

export interface NewPaymentRequest {
  debitAccountId: string;
  creditAccountId: string;
  amountMinor: bigint;
  currency: string;
  description: string | null;
  reference: string | null;
  /** Draft payments only: when a hold taken by pend expires. */
  holdExpiresAt: Date | null;
  /** With an Idempotency-Key the payment id is derived from it, so a retried create finds the same workflow. */
  idempotencyKey: string | undefined;
  /** Why the money moves; an ops user moving money by hand must say. */
  note: string | null;
}

/**
 * Payments, each a workflow: creation is update-with-start (one round trip, and a repeated start
 * finds the running workflow), status changes are Updates. The read model in Postgres answers
 * once an update returns, since the activity that changed it has committed.
 */
export function createPaymentUseCases({ sql, temporal, taskQueue, workflowWaitMs }: UseCaseDeps) {
  const withEntries = async (payment: PaymentRow): Promise<PaymentWithEntries> => ({
    payment,
    entries: await entriesOfPayment(sql, payment.id),
  });

  /** What a new payment must get right whatever its accounts hold. */
  function checkRequest(caller: Caller, request: NewPaymentRequest): void {
    requireLedgerCurrency(request.currency);
    // Money moved by a person, not a system, must say why: the note is the audit's and the statement's.
    if (caller.role === 'ops' && !request.note?.trim()) throw new ValidationError('an ops payment needs a note saying why', 'note');
  }

  /** The request's rules and the ledger's rules for its parties, for a payment that moves no money yet (a draft, an approval). */
  async function checkNewPayment(caller: Caller, request: NewPaymentRequest): Promise<void> {
    checkRequest(caller, request);
    await checkMovement(sql, request);
  }

  /** The payment as it is now; a payment never recorded is not found. */
  async function read(paymentId: string): Promise<PaymentWithEntries> {
    const found = await getPaymentWithEntries(sql, paymentId);
    if (!found) throw new NotFoundError('payment', paymentId);
    return found;
  }

  async function create(caller: Caller, mode: 'immediate' | 'draft', request: NewPaymentRequest): Promise<PaymentWithEntries> {
    // An immediate payment's ledger step checks the same parties under its row locks and refuses with
    // the same codes (the update's error), so checking them here first would only cost a statement.
    // A draft moves no money until pend: its parties are checked before it exists.
    if (mode === 'draft') await checkNewPayment(caller, request);
    else checkRequest(caller, request);
    const paymentId = request.idempotencyKey ? derivedId('payment', caller.role, caller.sub, request.idempotencyKey) : newId();
    const start = new WithStartWorkflowOperation<typeof paymentWorkflow>('paymentWorkflow', {
      workflowId: paymentWorkflowId(paymentId),
      taskQueue,
      args: [
        {
          paymentId,
          debitAccountId: request.debitAccountId,
          creditAccountId: request.creditAccountId,
          amountMinor: request.amountMinor.toString(),
          currency: request.currency,
          description: request.description,
          reference: request.reference,
          mode,
          holdExpiresAt: request.holdExpiresAt?.toISOString() ?? null,
          createdBy: { role: caller.role, sub: caller.sub },
          note: request.note,
        },
      ],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A finished payment is never started again: a late retry reads what the first one did.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    await sendUpdate(temporal, workflowWaitMs, () =>
      temporal.workflow.executeUpdateWithStart(createdUpdate, { startWorkflowOperation: start }),
    );
    const created = await getPaymentWithEntries(sql, paymentId);
    if (!created) throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `payment ${paymentId} was refused earlier`);
    return created;
  }

  /**
   * Applies pend, post or cancel: the update first, since the workflow decides with the state it
   * holds (its validator refuses a transition the status does not allow: 422). Only when no workflow
   * runs under the id does the read model decide: none was ever recorded (404), or it is final: a
   * repeat of the action that made it so answers 200 unchanged, any other action 422 with the status
   * that won.
   */
  async function act(
    actor: Caller,
    paymentId: string,
    action: PaymentAction,
    request: PendRequest & CancelRequest = {},
  ): Promise<PaymentWithEntries> {
    const handle = temporal.workflow.getHandle(paymentWorkflowId(paymentId));
    const sent = await sendUpdate(temporal, workflowWaitMs, () => {
      if (action === 'pend') return handle.executeUpdate(pendUpdate, { args: [{ holdExpiresAt: request.holdExpiresAt ?? null, actor }] });
      if (action === 'post') return handle.executeUpdate(postUpdate, { args: [{ actor }] });
      return handle.executeUpdate(cancelUpdate, { args: [{ reason: request.reason ?? null, actor }] });
    });
    const latest = await read(paymentId);
    if (sent.finished) {
      if (planTransition(latest.payment.status, action) === 'unchanged') return latest;
      throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `payment ${paymentId} changed while the request ran`);
    }
    // The status this action left the payment in: a later action may already have moved the read
    // model on, and the answer must name the transition that happened, not the one after it.
    return { ...latest, payment: { ...latest.payment, status: sent.result.status } };
  }

  async function list(filter: PaymentFilter, page: PageRequest): Promise<Page<PaymentWithEntries>> {
    const { items, nextCursor } = toPage(await listPayments(sql, filter, page), page.limit, (row) => row);
    return { items: await Promise.all(items.map(withEntries)), nextCursor };
  }

  return { create, checkNewPayment, act, get: read, list };
}

export type PaymentUseCases = ReturnType<typeof createPaymentUseCases>;
