import { WithStartWorkflowOperation } from '@temporalio/client';
import { cancelUpdate, createdUpdate, pendUpdate, postUpdate } from '../contract/paymentMessages';
import type { CancelRequest, PendRequest } from '../contract/types';
import type { Caller } from '../domain/caller';
import { requireLedgerCurrency } from '../domain/currency';
import { DomainError, ErrorCode, NotFoundError, ValidationError } from '../domain/errors';
import { derivedId, newId, paymentWorkflowId } from '../domain/ids';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import { isTerminal, type PaymentAction, planTransition } from '../domain/payment';
import { checkMovement, entriesOfPayment } from '../ledger/journal';
import type { JournalEntry } from '../ledger/types';
import { getPayment, listPayments, type PaymentFilter, type PaymentRow } from '../store/payments';
import type { paymentWorkflow } from '../workflows/payment';
import type { UseCaseDeps } from './deps';
import { sendUpdate } from './workflowCalls';

/** A payment with its journal entries, as the API shows it. */
export interface PaymentWithEntries {
  payment: PaymentRow;
  entries: JournalEntry[];
}

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

  /** The ledger's rules for a new payment's parties (a draft moves no money yet, so they are checked before it exists). */
  async function checkNewPayment(caller: Caller, request: NewPaymentRequest): Promise<void> {
    requireLedgerCurrency(request.currency);
    // Money moved by a person, not a system, must say why: the note is the audit's and the statement's.
    if (caller.role === 'ops' && !request.note?.trim()) throw new ValidationError('an ops payment needs a note saying why', 'note');
    await checkMovement(sql, request);
  }

  async function create(caller: Caller, mode: 'immediate' | 'draft', request: NewPaymentRequest): Promise<PaymentWithEntries> {
    await checkNewPayment(caller, request);
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
    const payment = await getPayment(sql, paymentId);
    if (!payment) throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `payment ${paymentId} was refused earlier`);
    return withEntries(payment);
  }

  /**
   * Applies pend, post or cancel. The state machine is checked here first, so a payment whose
   * workflow has finished still answers (repeat: 200 unchanged; anything else: 422).
   */
  async function act(
    actor: Caller,
    paymentId: string,
    action: PaymentAction,
    request: PendRequest & CancelRequest = {},
  ): Promise<PaymentWithEntries> {
    const payment = await getPayment(sql, paymentId);
    if (!payment) throw new NotFoundError('payment', paymentId);
    // The read model answers a repeat only once the payment is final: a Pending row can be written by
    // a hold whose reply has not reached the workflow yet, and the update waits for that turn.
    if (planTransition(payment.status, action) === 'unchanged' && isTerminal(payment.status)) return withEntries(payment);
    const handle = temporal.workflow.getHandle(paymentWorkflowId(paymentId));
    const sent = await sendUpdate(temporal, workflowWaitMs, () => {
      if (action === 'pend') return handle.executeUpdate(pendUpdate, { args: [{ holdExpiresAt: request.holdExpiresAt ?? null, actor }] });
      if (action === 'post') return handle.executeUpdate(postUpdate, { args: [{ actor }] });
      return handle.executeUpdate(cancelUpdate, { args: [{ reason: request.reason ?? null, actor }] });
    });
    if (sent.finished) {
      // The workflow finished between our read and the update (a hold expired, say): decide again.
      // A final status that the action cannot reach is the action that won: 422 with that status.
      const latest = await getPayment(sql, paymentId);
      if (latest && planTransition(latest.status, action) === 'unchanged') return withEntries(latest);
      throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `payment ${paymentId} changed while the request ran`);
    }
    const updated = await getPayment(sql, paymentId);
    if (!updated) throw new NotFoundError('payment', paymentId);
    // The status this action left the payment in: a later action may already have moved the read
    // model on, and the answer must name the transition that happened, not the one after it.
    return withEntries({ ...updated, status: sent.result.status });
  }

  async function get(paymentId: string): Promise<PaymentWithEntries> {
    const payment = await getPayment(sql, paymentId);
    if (!payment) throw new NotFoundError('payment', paymentId);
    return withEntries(payment);
  }

  async function list(filter: PaymentFilter, page: PageRequest): Promise<Page<PaymentWithEntries>> {
    const { items, nextCursor } = toPage(await listPayments(sql, filter, page), page.limit, (row) => row);
    return { items: await Promise.all(items.map(withEntries)), nextCursor };
  }

  return { create, checkNewPayment, act, get, list };
}

export type PaymentUseCases = ReturnType<typeof createPaymentUseCases>;
