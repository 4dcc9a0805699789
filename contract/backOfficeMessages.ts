import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalState, DecisionRequest } from './backOfficeTypes';

/** Answers once the approval is recorded (the API's 202 then finds its row). */
export const approvalRequestedUpdate = defineUpdate<ApprovalState>('approvalRequested');
/** Approve or reject; answers once the decision is recorded and, for an approval, its action has run. */
export const decideApprovalUpdate = defineUpdate<ApprovalState, [DecisionRequest]>('decide');
export const approvalStateQuery = defineQuery<ApprovalState>('approvalState');
