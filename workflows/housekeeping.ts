import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

/**
 * Run by the `housekeeping` schedule (hourly; see worker/schedules.ts): deletes Idempotency-Keys
 * past their retention, old rate-limit windows and events past EVENT_RETENTION_DAYS. Visible, pausable and triggerable in the
 * Temporal UI under Schedules.
 */
export async function housekeepingWorkflow(): Promise<{ idempotencyKeys: number; rateLimitWindows: number; events?: number }> {
  return activities.purgeExpired();
}
