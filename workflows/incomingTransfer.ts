import {
  type ApplicationFailure,
  allHandlersFinished,
  condition,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { inputRefusal, REJECTS_INVALID_INPUT } from '../contract/failures';
import { assignTransferUpdate, returnTransferUpdate, transferCreatedUpdate, transferStateQuery } from '../contract/transferMessages';
import type { IncomingTransferInput, OpsRequest, ReturnRequest, TransferState } from '../contract/types';
import { ErrorCode } from '../domain/errors';
import { type IncomingStatus, planTransferAction } from '../domain/transfer';
import { incomingTransferType } from '../domain/transferPricing';
import { incomingBooking } from './activityPolicies';
import { incomingInputProblem } from './inputChecks';
import { AccountIdKey, TransferStatusKey, TransferTypeKey } from './searchAttributes';
import { oneAtATime, validatorFor } from './turns';

const activities = incomingBooking;

/**
 * Patch: ops can send an Unrecognized transfer back (`return`: the provider returns it, suspense goes
 * back to settlement, Returned). New commands only in runs that take a return; the marker keeps
 * histories recorded before it replaying on the old path.
 */
const INCOMING_RETURN = 'incoming-return';

/**
 * Money the provider reports (`transfer-<id derived from its reference>`, so a repeated report
 * finds the same workflow): credited to the matching account, or held in suspense until ops
 * assigns it.
 */
export async function incomingTransferWorkflow(
  input: IncomingTransferInput,
): Promise<TransferState | { status: 'Rejected'; code: string }> {
  const workflowId = workflowInfo().workflowId;
  let status: IncomingStatus | undefined;
  let refusal: ApplicationFailure | undefined;
  const inTurn = oneAtATime();

  const setStatus = (next: IncomingStatus) => {
    status = next;
    upsertSearchAttributes([{ key: TransferStatusKey, value: next }]);
  };

  setHandler(transferCreatedUpdate, async () => {
    await condition(() => status !== undefined || refusal !== undefined);
    if (refusal) throw refusal;
    return { status: status as IncomingStatus };
  });
  setHandler(transferStateQuery, () => (status === undefined ? null : { status }));
  setHandler(
    assignTransferUpdate,
    (request: OpsRequest & { accountId: string }) =>
      inTurn(async () => {
        if (planTransferAction(status as IncomingStatus, 'assign') === 'apply') {
          await activities.assignIncoming({
            transferId: input.transferId,
            accountId: request.accountId,
            amountMinor: input.amountMinor,
            currency: input.currency,
            entryKey: `${workflowId}/assign`,
            audit: { stepKey: `${workflowId}/assign`, action: 'assign', actor: request.actor, note: request.note },
          });
          upsertSearchAttributes([{ key: AccountIdKey, value: [request.accountId] }]);
          setStatus('Completed');
        }
        return { status: status as IncomingStatus };
      }),
    { validator: validatorFor(() => status, planTransferAction, 'assign' as const) },
  );

  setHandler(
    returnTransferUpdate,
    (request: ReturnRequest) =>
      inTurn(async () => {
        if (planTransferAction(status as IncomingStatus, 'return') === 'apply' && patched(INCOMING_RETURN)) {
          await activities.submitReturn({
            transferId: input.transferId,
            providerReference: input.providerReference,
            amountMinor: input.amountMinor,
            currency: input.currency,
            reason: request.reason,
          });
          await activities.bookReturn({
            transferId: input.transferId,
            amountMinor: input.amountMinor,
            currency: input.currency,
            reason: request.reason,
            entryKey: `${workflowId}/return`,
            audit: { stepKey: `${workflowId}/return`, action: 'return', actor: request.actor, note: request.note ?? request.reason },
          });
          setStatus('Returned');
        }
        return { status: status as IncomingStatus };
      }),
    { validator: validatorFor(() => status, planTransferAction, 'return' as const) },
  );

  const problem = incomingInputProblem(input);
  if (problem && patched(REJECTS_INVALID_INPUT)) {
    refusal = inputRefusal(problem);
    upsertSearchAttributes([{ key: TransferStatusKey, value: 'Rejected' }]);
    await condition(allHandlersFinished);
    return { status: 'Rejected', code: ErrorCode.VALIDATION_ERROR };
  }

  upsertSearchAttributes([{ key: TransferTypeKey, value: incomingTransferType(input.currency) }]);
  const booked = await activities.receiveIncoming({ transfer: input, entryKey: `${workflowId}/book` });
  setStatus(booked.status);
  // Assigned (Completed) or sent back (Returned): the predicate adds no command, so old histories replay.
  await condition(() => status === 'Completed' || status === 'Returned');
  await condition(allHandlersFinished);
  return { status: status as IncomingStatus };
}
