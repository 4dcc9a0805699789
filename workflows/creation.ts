import type { UpdateDefinition } from '@temporalio/common';
import { type ApplicationFailure, allHandlersFinished, condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { PaymentStatusKey, TransferStatusKey } from './searchAttributes';

/** How a workflow ends when it refused to create its entity: nothing was recorded, nothing is held. */
export interface Rejected {
  status: 'Rejected';
  code: string;
}

/**
 * The `created` update every entity workflow (payment, transfers) answers, and its one way to
 * refuse: the API starts the workflow with this update and waits until the entity is recorded
 * (`isCreated`), answering with its state, or until the workflow refuses it, answering with the
 * refusal's code. Registered before the workflow's first await, so the update never waits for a
 * handler.
 */
export function createdUpdateOf<S>(
  update: UpdateDefinition<S, []>,
  isCreated: () => boolean,
  state: () => S,
  statusKey: typeof TransferStatusKey | typeof PaymentStatusKey,
) {
  let refusal: ApplicationFailure | undefined;
  setHandler(update, async () => {
    await condition(() => isCreated() || refusal !== undefined);
    if (refusal) throw refusal;
    return state();
  });
  return {
    /** Refuses the creation: the waiting update throws `failure`, and the run ends Rejected with its code. */
    async reject(failure: ApplicationFailure): Promise<Rejected> {
      refusal = failure;
      upsertSearchAttributes([{ key: statusKey, value: 'Rejected' }]);
      await condition(allHandlersFinished);
      return { status: 'Rejected', code: failure.type ?? 'UNKNOWN' };
    },
  };
}
