import { ApplicationFailure, allHandlersFinished, condition, executeChild, setHandler } from '@temporalio/workflow';
import { approvalRequestedUpdate, approvalStateQuery, decideApprovalUpdate } from '../contract/backOfficeMessages';
import { type ApprovalInput, type ApprovalState, type DecisionRequest, reversalWorkflowId } from '../contract/backOfficeTypes';
import { asBusinessFailure } from '../contract/failures';
import { planDecision, requireOtherThanRequester } from '../domain/approval';
import { paymentWorkflowId } from '../domain/ids';
import { durable } from './activityPolicies';
import { paymentReversalWorkflow } from './corrections';
import type { PaymentOutcome } from './payment';
import { paymentWorkflow } from './payment';

/** What expiry is recorded as: the workflow itself, not a person. */
const EXPIRY_ACTOR = { role: 'system' as const, sub: 'approval-expiry' };

/**
 * Four eyes, one workflow per approval (`approval-<id>`, visible in the Temporal UI): it records
 * the request, waits for an ops user other than the requester to approve or reject it, or for it to
 * expire, and runs the approved action exactly once, as a child workflow whose id comes from the
 * approval (a second approve, at once or later, finds the decision taken and answers with the same
 * result). It holds no money: the action is the child's, which moves money in one step or not at all.
 */
export async function approvalWorkflow(input: ApprovalInput): Promise<ApprovalState> {
  let recorded = false;
  let decision: DecisionRequest | undefined;
  let state: ApprovalState = { status: 'pending', result: null };
  let done = false;

  setHandler(approvalRequestedUpdate, async () => {
    await condition(() => recorded);
    return state;
  });

  setHandler(
    decideApprovalUpdate,
    async (request: DecisionRequest) => {
      // The first decision wins; a repeat of it waits for the same outcome.
      decision ??= request;
      await condition(() => done);
      return state;
    },
    {
      validator: (request: DecisionRequest) => {
        try {
          requireOtherThanRequester(input.requestedBy.sub, request.actor.sub);
          if (!recorded)
            throw ApplicationFailure.create({
              type: 'CONCURRENT_MODIFICATION',
              message: 'not recorded yet; try again',
              nonRetryable: true,
            });
          // Once a decision is taken (or the approval expired), only the same decision is accepted: it answers the same.
          const status = decision ? (decision.decision === 'approve' ? 'approved' : 'rejected') : state.status;
          planDecision(status, request.decision);
        } catch (error) {
          throw asBusinessFailure(error);
        }
      },
    },
  );

  setHandler(approvalStateQuery, () => state);

  await durable.recordApprovalRequest({
    approvalId: input.approvalId,
    action: input.action.type,
    request: actionRequest(input),
    requestedBy: input.requestedBy,
    note: input.note,
    expiresAt: input.expiresAt,
  });
  recorded = true;

  const decided = await condition(() => decision !== undefined, Math.max(0, Date.parse(input.expiresAt) - Date.now()));
  if (!decided || !decision) {
    await durable.closeApproval({ approvalId: input.approvalId, status: 'expired', actor: EXPIRY_ACTOR, reason: null });
    state = { status: 'expired', result: null };
  } else if (decision.decision === 'reject') {
    await durable.closeApproval({ approvalId: input.approvalId, status: 'rejected', actor: decision.actor, reason: decision.reason });
    state = { status: 'rejected', result: null };
  } else {
    await durable.closeApproval({ approvalId: input.approvalId, status: 'approved', actor: decision.actor, reason: decision.reason });
    const result = await runAction(input);
    await durable.recordApprovalResult({ approvalId: input.approvalId, result });
    state = { status: 'approved', result };
  }
  done = true;
  await condition(allHandlersFinished);
  return state;
}

/** The action's input as the approval row shows it (amounts as minor-unit strings). */
function actionRequest(input: ApprovalInput): Record<string, unknown> {
  const { action } = input;
  return action.type === 'payment.create' ? { ...action.payment } : { ...action.reversal };
}

/** Runs the approved action once: its child workflow's id is derived from the approval. */
async function runAction(input: ApprovalInput): Promise<Record<string, unknown>> {
  const { action } = input;
  if (action.type === 'payment.reverse') {
    const outcome = await executeChild(paymentReversalWorkflow, {
      workflowId: reversalWorkflowId(action.reversal.paymentId, input.approvalId),
      args: [action.reversal],
    });
    return outcome.ok ? { paymentId: action.reversal.paymentId } : { paymentId: action.reversal.paymentId, error: outcome };
  }
  const outcome: PaymentOutcome = await executeChild(paymentWorkflow, {
    workflowId: paymentWorkflowId(action.payment.paymentId),
    args: [action.payment],
  });
  if (outcome.status === 'Rejected') {
    const code = 'code' in outcome ? outcome.code : 'UNKNOWN';
    return { paymentId: action.payment.paymentId, error: { ok: false, code, message: `the payment was refused: ${code}`, metadata: {} } };
  }
  return { paymentId: action.payment.paymentId };
}
