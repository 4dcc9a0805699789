import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { paymentWorkflowId } from '../domain/ids';
import { type PaymentAction, planTransition } from '../domain/payment';
import type { Sql } from '../ledger/db';
import { getPayment, type PaymentRow } from '../store/payments';
import type { paymentWorkflow } from '../workflows/payment';
import { cancelUpdate, createdUpdate, pendUpdate, postUpdate } from '../workflows/paymentMessages';
import type { CancelRequest, PaymentInput, PendRequest } from '../workflows/shared';
import { sendUpdate } from './workflowCalls';

export interface PaymentCommandDeps {
  sql: Sql;
  temporal: Client;
  taskQueue: string;
  workflowWaitMs: number;
}

/**
 * Drives payment workflows for the API: creation is update-with-start (one round trip, and a
 * repeated start finds the running workflow), status changes are Updates. The read model in
 * Postgres answers once the update returns, since the activity that changed it has committed.
 */
export function createPaymentCommands({ sql, temporal, taskQueue, workflowWaitMs }: PaymentCommandDeps) {
  async function create(input: PaymentInput): Promise<PaymentRow> {
    const workflowId = paymentWorkflowId(input.paymentId);
    const start = new WithStartWorkflowOperation<typeof paymentWorkflow>('paymentWorkflow', {
      workflowId,
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A finished payment is never started again: a late retry reads what the first one did.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    await sendUpdate(temporal, workflowWaitMs, () =>
      temporal.workflow.executeUpdateWithStart(createdUpdate, { startWorkflowOperation: start }),
    );
    const payment = await getPayment(sql, input.paymentId);
    if (!payment) throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `payment ${input.paymentId} was refused earlier`);
    return payment;
  }

  /**
   * Applies pend, post or cancel. The state machine is checked here first, so a payment whose
   * workflow has finished still answers (repeat: 200 unchanged; anything else: 422).
   */
  async function act(paymentId: string, action: PaymentAction, request: PendRequest & CancelRequest = {}): Promise<PaymentRow> {
    const payment = await getPayment(sql, paymentId);
    if (!payment) throw new NotFoundError('payment', paymentId);
    if (planTransition(payment.status, action) === 'unchanged') return payment;
    const handle = temporal.workflow.getHandle(paymentWorkflowId(paymentId));
    const sent = await sendUpdate(temporal, workflowWaitMs, () => {
      if (action === 'pend') return handle.executeUpdate(pendUpdate, { args: [{ holdExpiresAt: request.holdExpiresAt ?? null }] });
      if (action === 'post') return handle.executeUpdate(postUpdate);
      return handle.executeUpdate(cancelUpdate, { args: [{ reason: request.reason ?? null }] });
    });
    if (sent.finished) {
      // The workflow finished between our read and the update (a hold expired, say): decide again.
      // A final status that the action cannot reach is the action that won: 422 with that status.
      const latest = await getPayment(sql, paymentId);
      if (latest && planTransition(latest.status, action) === 'unchanged') return latest;
      throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `payment ${paymentId} changed while the request ran`);
    }
    const updated = await getPayment(sql, paymentId);
    if (!updated) throw new NotFoundError('payment', paymentId);
    // The status this action left the payment in: a later action may already have moved the read
    // model on, and the answer must name the transition that happened, not the one after it.
    return { ...updated, status: sent.result.status };
  }

  return { create, act };
}

export type PaymentCommands = ReturnType<typeof createPaymentCommands>;
