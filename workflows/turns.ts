import { ApplicationFailure, condition } from '@temporalio/workflow';
import { ErrorCode } from '../domain/errors';
import { asBusinessFailure, businessCause } from './failures';

/**
 * Runs a workflow's status changes one at a time: concurrent updates, timers and the main loop
 * take turns, and each re-checks the state once it has its turn. A failure leaves as a business
 * failure with its code, so the API can answer with it.
 */
export function oneAtATime() {
  let busy = false;
  return async function inTurn<T>(fn: () => Promise<T>): Promise<T> {
    await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } catch (error) {
      throw businessCause(error) ?? asBusinessFailure(error);
    } finally {
      busy = false;
    }
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
