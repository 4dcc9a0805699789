import { allHandlersFinished, condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { inputRefusal } from '../contract/failures';
import { assignTransferUpdate, returnTransferUpdate, transferCreatedUpdate, transferStateQuery } from '../contract/transferMessages';
import type { IncomingTransferInput, OpsRequest, ReturnRequest, TransferState } from '../contract/types';
import { type IncomingStatus, planTransferAction } from '../domain/transfer';
import { incomingTransferType } from '../domain/transferPricing';
import { incomingBooking } from './activityPolicies';
import { createdUpdateOf, type Rejected } from './creation';
import { incomingInputProblem } from './inputChecks';
import { AccountIdKey, TransferStatusKey, TransferTypeKey } from './searchAttributes';
import { oneAtATime, validatorFor } from './turns';

const activities = incomingBooking;

/**
 * Money the provider reports (`transfer-<id derived from its reference>`, so a repeated report
 * finds the same workflow): credited to the matching account, or held in suspense until ops
 * assigns it.
 */
export async function incomingTransferWorkflow(input: IncomingTransferInput): Promise<TransferState | Rejected> {
  const workflowId = workflowInfo().workflowId;
  let status: IncomingStatus | undefined;
  const inTurn = oneAtATime();

  const setStatus = (next: IncomingStatus) => {
    status = next;
    upsertSearchAttributes([{ key: TransferStatusKey, value: next }]);
  };

  const created = createdUpdateOf(
    transferCreatedUpdate,
    () => status !== undefined,
    () => ({ status: status as IncomingStatus }),
    TransferStatusKey,
  );
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
        if (planTransferAction(status as IncomingStatus, 'return') === 'apply') {
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
  if (problem) return created.reject(inputRefusal(problem));

  upsertSearchAttributes([{ key: TransferTypeKey, value: incomingTransferType(input.currency) }]);
  const booked = await activities.receiveIncoming({ transfer: input, entryKey: `${workflowId}/book` });
  setStatus(booked.status);
  // Assigned (Completed) or sent back (Returned).
  await condition(() => status === 'Completed' || status === 'Returned');
  await condition(allHandlersFinished);
  return { status: status as IncomingStatus };
}
