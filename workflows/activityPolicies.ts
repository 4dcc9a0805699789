import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

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
