import { isCancellation, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RetryShape } from '../activities/webhooks';
import { businessCause } from '../contract/failures';
import type { ProviderRetryPolicy } from '../contract/types';

/**
 * Steps the API waits for: retry transient faults briefly, then give up so the caller gets an
 * answer. A step that gave up may still have written (its reply was lost): retry it under the
 * same ids, never fresh ones.
 */
export const interactive = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '100 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds' },
});

/**
 * Steps nobody waits for (a hold expiring, money that must move once decided): retry through an
 * outage of about an hour (1 s doubling to 1 min, 70 attempts), then give up so the workflow ends
 * visibly failed in the Temporal UI instead of retrying for ever; poison is not retried at all
 * (activities/failures.ts).
 */
export const background = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 70 },
});

/**
 * Steps that must happen once money is held and the outcome decided: releasing or settling holds
 * in a workflow's own flow (a timer fired, the provider decided) and the status written with it.
 * They retry without a bound (1 s doubling to 10 min): a workflow that gave up here would end with
 * the client's money held (docs/api.md: "No money is ever held by a finished or broken workflow").
 * While one retries, the Temporal UI shows it pending with its attempt count and last failure, and
 * the worker's metrics count the failed attempts. Only the step's answer (a business failure, or
 * poison) ends it, which each workflow turns into a final status or `Stuck`.
 */
export const durable = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * Patch: the short ledger steps run as local activities (issue #15, "fewer tasks per payment").
 * Each workflow reads it once, at the top of its function, and picks its proxies from it, so a run
 * keeps one path from its first task to its end: runs started before the deploy (no marker in
 * their history) keep scheduling normal activities; new runs write the marker and go local.
 */
export const LOCAL_LEDGER_STEPS = 'local-ledger-steps';

/**
 * The ledger steps as LOCAL activities: run by the worker that runs the workflow task, inside that
 * task, with their result recorded as a marker; no activity task goes through the server.
 *
 * Only for steps that are short and idempotent. A local activity has no server-side timeout: when
 * the worker dies, the workflow task times out and the next worker re-runs the workflow task and
 * with it the local activity, possibly after the first run committed. That writes nothing twice
 * because every ledger step names its entries by the workflow id and step (`${workflowId}/post`,
 * activities/payments.ts `entryIdFor`) and the read-model write commits in the ledger's
 * transaction, which a repeated entry id skips (ledger/journal.ts `recordEntries`).
 *
 * Bounded like `interactive`: a few seconds an attempt (a ledger write takes milliseconds; a stuck
 * connection is cut and retried), and about one minute in all. While it retries, the workflow task
 * stays open (the worker extends it by heartbeats every 8 s of the 10 s task timeout), so updates,
 * signals and queries for the workflow wait meanwhile: a budget of minutes belongs to a normal
 * activity. The backoff stays at or below 5 s, under `localRetryThreshold` (default 1 minute): every
 * retry waits inside the worker, none becomes a timer in the history.
 *
 * The bound is `maximumAttempts`, not only `scheduleToCloseTimeout`: in this SDK (1.24) a local
 * activity's schedule-to-close timeout that elapses while the activity waits out a backoff between
 * two attempts is dropped, so a step that fails at once (the database refusing connections) would
 * retry for as long as it keeps failing, holding the workflow task open. 15 attempts wait about 46 s
 * in all (0.1 + 0.2 + 0.4 + 0.8 + 1.6 + 3.2 + 8 x 5 s). An attempt that hangs is ended by the
 * start-to-close timeout, and the schedule-to-close timeout still applies when it elapses during an
 * attempt.
 */
export const localLedger = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '100 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 15 },
});

/**
 * A ledger step that must happen once decided (settle or release an outgoing transfer): first as a
 * local activity, and only when that gives up on a technical fault (the database away for a minute)
 * as a normal activity under `background`, which retries through an hour's outage without holding
 * the workflow task open. Both take the same input and so the same entry ids: whatever a local
 * attempt may have written is found by the fallback, not written again. A business failure (or
 * poison) and a cancellation are the step's answer and are not retried.
 */
export function localThenBackground<A extends unknown[], R>(
  local: (...args: A) => Promise<R>,
  fallback: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await local(...args);
    } catch (error) {
      if (businessCause(error) || isCancellation(error)) throw error;
      return fallback(...args);
    }
  };
}

/**
 * Submitting a transfer to the provider: the configured budget (PROVIDER_SUBMIT_ATTEMPTS, doubling
 * from PROVIDER_RETRY_INTERVAL_MS); when it runs out the transfer is `Stuck` for ops.
 */
export const providerSubmission = (budget: ProviderRetryPolicy) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: budget.submitIntervalMs, backoffCoefficient: 2, maximumAttempts: budget.submitAttempts },
  });

/** Polling the provider for its decision: 200 ms growing to 2 s, PROVIDER_DECISION_ATTEMPTS polls, then `Stuck`. */
export const providerDecision = (budget: ProviderRetryPolicy) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '10 seconds',
    retry: {
      initialInterval: '200 milliseconds',
      backoffCoefficient: 1.5,
      maximumInterval: '2 seconds',
      maximumAttempts: budget.decisionAttempts,
    },
  });

/** Booking reported money (an incoming transfer): retried through an outage of about an hour, like the background steps. */
export const incomingBooking = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 70 },
});

/** Batch jobs over every account (daily checks, snapshots): each step a bounded retry, so a job that cannot finish ends failed and visible. */
export const batchJobs = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** The hourly housekeeping's deletes: a few tries; the next hour's run takes up what is left. */
export const housekeepingJobs = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** Long-polling a webhook endpoint's queue (`waitMs` per poll, heartbeating): retried without a bound while the endpoint lives. */
export const webhookPolling = (waitMs: number) =>
  proxyActivities<Activities>({
    startToCloseTimeout: `${waitMs + 30_000} milliseconds`,
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

/**
 * Delivering one webhook: the endpoint's waits (WEBHOOK_RETRY_INITIAL_MS doubling up to
 * WEBHOOK_RETRY_MAX_INTERVAL_MS); the activity itself gives up after WEBHOOK_RETRY_WINDOW_MS.
 * 30 s an attempt: 10 s for the receiver, the rest for Postgres.
 */
export const webhookDelivery = (retry: RetryShape) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: retry.initialMs,
      backoffCoefficient: 2,
      maximumInterval: retry.maxIntervalMs,
      nonRetryableErrorTypes: ['VALIDATION_ERROR'],
    },
  });
