import { type Client, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DEFAULT_BACK_OFFICE_POLICY } from '../config/env';
import { approvalRequestedUpdate, decideApprovalUpdate } from '../contract/backOfficeMessages';
import {
  type ApprovalAction,
  approvalWorkflowId,
  type CorrectionOutcome,
  type PaymentReversalInput,
  returnWorkflowId,
  reversalWorkflowId,
} from '../contract/backOfficeTypes';
import type { PaymentInput } from '../contract/types';
import { type ApprovalDecision, type ApprovalStatus, needsApproval, planDecision, requireOtherThanRequester } from '../domain/approval';
import type { Caller } from '../domain/caller';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { derivedId, newId } from '../domain/ids';
import { parseAmount } from '../domain/money';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import { getAccount } from '../ledger/accounts';
import { type ApprovalRow, getApproval, listApprovals } from '../store/approvals';
import { getPayment, requireReversible } from '../store/payments';
import { getTransfer, type TransferRow } from '../store/transfers';
import type { approvalWorkflow } from '../workflows/approval';
import type { UseCaseDeps } from './deps';
import type { NewPaymentRequest, PaymentUseCases, PaymentWithEntries } from './payments';
import { sendUpdate, toDomainError, withinWait } from './workflowCalls';

export interface ReverseRequest {
  /** A decimal in the payment's currency; unset: what is left unreversed. */
  amount: string | number | undefined;
  reason: string;
  note: string | null;
  idempotencyKey: string | undefined;
}

export interface ReturnRequest {
  providerReference: string;
  /** A decimal in the transfer's currency. */
  amount: string | number;
  reason: string;
}

/** A reversal or an ops payment answers with the payment, or with the approval it now waits for. */
export type Guarded = { done: PaymentWithEntries } | { pending: ApprovalRow };

/**
 * Back-office corrections: reversals of Posted payments, returns of Completed outgoing transfers,
 * and four-eyes approvals of manual money at or above the threshold. The rules a caller can be told
 * about at once (not found, wrong status, more than is left) are checked here before a workflow
 * starts; the workflow's ledger step checks them again under the row lock, which is what counts.
 */
export function createBackOfficeUseCases(deps: UseCaseDeps, payments: PaymentUseCases) {
  const { sql, temporal, taskQueue, workflowWaitMs } = deps;
  const policy = deps.backOffice ?? DEFAULT_BACK_OFFICE_POLICY;
  const idFor = (kind: string, caller: Caller, key: string | undefined) => (key ? derivedId(kind, caller.role, caller.sub, key) : newId());

  /** Starts an approval and waits until its row is recorded: the 202's approval. */
  async function requestApproval(caller: Caller, approvalId: string, action: ApprovalAction, note: string | null): Promise<ApprovalRow> {
    const start = new WithStartWorkflowOperation<typeof approvalWorkflow>('approvalWorkflow', {
      workflowId: approvalWorkflowId(approvalId),
      taskQueue,
      args: [{ approvalId, action, requestedBy: caller, note, expiresAt: new Date(Date.now() + policy.approvalTtlMs).toISOString() }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    await sendUpdate(temporal, workflowWaitMs, () =>
      temporal.workflow.executeUpdateWithStart(approvalRequestedUpdate, { startWorkflowOperation: start }),
    );
    const row = await getApproval(sql, approvalId);
    if (!row) throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE, 'the approval is not recorded yet; retry with the same Idempotency-Key');
    return row;
  }

  async function reverse(caller: Caller, paymentId: string, request: ReverseRequest): Promise<Guarded> {
    const payment = await getPayment(sql, paymentId);
    if (!payment) throw new NotFoundError('payment', paymentId);
    const amount = request.amount === undefined ? payment.amount - payment.reversedAmount : parseAmount(request.amount, payment.currency);
    requireReversible(payment, amount);
    const reversalId = idFor('reversal', caller, request.idempotencyKey);
    const reversal: PaymentReversalInput = {
      paymentId,
      amountMinor: amount.toString(),
      currency: payment.currency,
      reason: request.reason,
      note: request.note,
      actor: caller,
    };
    if (needsApproval(policy.approvalThresholds, payment.currency, amount)) {
      return { pending: await requestApproval(caller, reversalId, { type: 'payment.reverse', reversal }, request.note ?? request.reason) };
    }
    const outcome = await runToEnd(temporal, workflowWaitMs, {
      workflowType: 'paymentReversalWorkflow',
      workflowId: reversalWorkflowId(paymentId, reversalId),
      taskQueue,
      args: [reversal],
    });
    throwIfRefused(outcome);
    return { done: await payments.get(paymentId) };
  }

  /**
   * An ops payment at once that debits a client account at or above the threshold waits for a
   * second ops user: the approval, or undefined when it may go ahead now.
   */
  async function approvalForPayment(caller: Caller, request: NewPaymentRequest): Promise<ApprovalRow | undefined> {
    if (caller.role !== 'ops' || !needsApproval(policy.approvalThresholds, request.currency, request.amountMinor)) return undefined;
    const debit = await getAccount(sql, request.debitAccountId);
    if (debit?.kind !== 'client') return undefined;
    await payments.checkNewPayment(caller, request);
    const approvalId = idFor('approval-payment', caller, request.idempotencyKey);
    const payment: PaymentInput = {
      paymentId: derivedId('approved-payment', approvalId),
      debitAccountId: request.debitAccountId,
      creditAccountId: request.creditAccountId,
      amountMinor: request.amountMinor.toString(),
      currency: request.currency,
      description: request.description,
      reference: request.reference,
      mode: 'immediate',
      holdExpiresAt: null,
      // The payment is the requester's: the approver is recorded on the approval.
      createdBy: { role: caller.role, sub: caller.sub },
      note: request.note,
    };
    return requestApproval(caller, approvalId, { type: 'payment.create', payment }, request.description);
  }

  async function get(approvalId: string): Promise<ApprovalRow> {
    const row = await getApproval(sql, approvalId);
    if (!row) throw new NotFoundError('approval', approvalId);
    return row;
  }

  async function list(filter: { status?: ApprovalStatus }, page: PageRequest): Promise<Page<ApprovalRow>> {
    return toPage(await listApprovals(sql, filter, page), page.limit, (row) => row);
  }

  /**
   * Approve or reject. The requester is refused (403); a decision already taken answers the same
   * when it is this one (a retried approve: the same result), else 422.
   */
  async function decide(caller: Caller, approvalId: string, decision: ApprovalDecision, reason: string | null): Promise<ApprovalRow> {
    const row = await get(approvalId);
    requireOtherThanRequester(row.requestedBySub, caller.sub);
    if (planDecision(row.status, decision) === 'unchanged' && (decision === 'reject' || row.result !== null)) return row;
    const handle = temporal.workflow.getHandle(approvalWorkflowId(approvalId));
    const sent = await sendUpdate(temporal, workflowWaitMs, () =>
      handle.executeUpdate(decideApprovalUpdate, { args: [{ decision, actor: caller, reason }] }),
    );
    const latest = await get(approvalId);
    // Whichever decision won (this one, a racing one, or the expiry) is what the row says now.
    if (planDecision(latest.status, decision) === 'unchanged') return latest;
    if (sent.finished) throw new DomainError(ErrorCode.CONCURRENT_MODIFICATION, `approval ${approvalId} changed while the request ran`);
    return latest;
  }

  /**
   * A Completed outgoing transfer the provider reports as returned. Idempotent on the provider's
   * reference: a repeat finds the return it booked (or the refusal it got) under the same workflow.
   */
  async function returned(caller: Caller, transferId: string, request: ReturnRequest): Promise<TransferRow> {
    const transfer = await getTransfer(sql, transferId);
    if (transfer?.direction !== 'outgoing') throw new NotFoundError('transfer', transferId);
    if (transfer.returnProviderReference === request.providerReference) return transfer;
    // Another transfer's return only: a twin of this very report may have booked it since the read above.
    const [other] = await sql<{ id: string }[]>`
      SELECT id FROM transfers WHERE return_provider_reference = ${request.providerReference} AND id <> ${transferId}`;
    if (other) {
      throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'this providerReference already returned another transfer', {
        field: 'providerReference',
      });
    }
    if (transfer.status !== 'Completed') {
      throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `cannot return a transfer that is ${transfer.status}`, {
        from: transfer.status,
        action: 'returned',
      });
    }
    if (transfer.type === 'Internal') {
      throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, 'an Internal transfer never went through the provider', {
        from: transfer.status,
        action: 'returned',
      });
    }
    const amountMinor = parseAmount(request.amount, transfer.currency);
    if (amountMinor > transfer.amount) {
      throw new DomainError(ErrorCode.VALIDATION_ERROR, 'the returned amount is above the transfer amount', { field: 'amount' });
    }
    const outcome = await runToEnd(temporal, workflowWaitMs, {
      workflowType: 'transferReturnWorkflow',
      workflowId: returnWorkflowId(derivedId('transfer-return', request.providerReference)),
      taskQueue,
      args: [
        {
          transferId,
          providerReference: request.providerReference,
          amountMinor: amountMinor.toString(),
          reason: request.reason,
          refundFee: policy.returnRefundsFee,
          actor: caller,
        },
      ],
    });
    throwIfRefused(outcome);
    const after = await getTransfer(sql, transferId);
    if (!after || after.returnProviderReference !== request.providerReference) {
      throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'this providerReference already returned another transfer', {
        field: 'providerReference',
      });
    }
    return after;
  }

  return { reverse, approvalForPayment, get, list, decide, returned };
}

export type BackOfficeUseCases = ReturnType<typeof createBackOfficeUseCases>;

function throwIfRefused(outcome: CorrectionOutcome): void {
  if (!outcome.ok) throw new DomainError(outcome.code as ErrorCode, outcome.message, outcome.metadata as never);
}

/**
 * Starts a one-step workflow (or finds the one already started or finished under its id) and waits
 * for its outcome within the request's deadline (else 503; the same request finds it later).
 */
async function runToEnd(
  temporal: Client,
  waitMs: number,
  options: { workflowType: 'paymentReversalWorkflow' | 'transferReturnWorkflow'; workflowId: string; taskQueue: string; args: unknown[] },
): Promise<CorrectionOutcome> {
  try {
    return await withinWait(temporal, waitMs, async () => {
      try {
        await temporal.workflow.start(options.workflowType, {
          workflowId: options.workflowId,
          taskQueue: options.taskQueue,
          args: options.args,
          workflowIdConflictPolicy: 'USE_EXISTING',
          // A finished correction is never run again: a repeat reads what the first one did.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      return (await temporal.workflow.getHandle(options.workflowId).result()) as CorrectionOutcome;
    });
  } catch (error) {
    throw toDomainError(error);
  }
}
