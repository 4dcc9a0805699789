import { ApplicationFailure } from '@temporalio/workflow';
import { asBusinessFailure, businessCause } from '../contract/failures';
import { ErrorCode } from '../domain/errors';

/**
 * A FIFO lock for a workflow's status changes: concurrent updates, timers and the main loop take
 * turns, and each re-checks the state once it has its turn. A failure leaves as a business failure
 * with its code, so the API can answer with it.
 *
 * Why not `await condition(() => !busy); busy = true`: the workflow runtime resolves every waiting
 * condition whose predicate is true in one pass before any continuation runs, so that admits all
 * waiters at once (two handlers then interleave their activities: a cancel voids nothing while a
 * pend takes the hold). Chaining each turn onto the promise of the one before admits exactly one,
 * in arrival order, and is deterministic because it adds no command to the history.
 */
export function oneAtATime() {
  let last: Promise<unknown> = Promise.resolve();
  return function inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const turn = last.then(fn);
    // The next turn waits for this one to settle, whatever its outcome.
    last = turn.catch(() => undefined);
    return turn.catch((error: unknown) => {
      throw businessCause(error) ?? asBusinessFailure(error);
    });
  };
}

/**
 * An update validator from a state machine: it refuses an action the current status does not
 * allow before the update enters history (the API answers 422), and any action before the
 * workflow has recorded its entity (409, try again).
 */
export function validatorFor<S, A>(current: () => S | undefined, plan: (status: S, action: A) => unknown, action: A) {
  return (..._args: unknown[]) => {
    const status = current();
    if (status === undefined) {
      throw ApplicationFailure.create({
        type: ErrorCode.CONCURRENT_MODIFICATION,
        message: 'not created yet; try again',
        nonRetryable: true,
      });
    }
    try {
      plan(status, action);
    } catch (error) {
      throw asBusinessFailure(error);
    }
  };
}
