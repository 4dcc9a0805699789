import { housekeepingJobs } from './activityPolicies';

const activities = housekeepingJobs;

/**
 * Run by the `housekeeping` schedule (hourly; see worker/schedules.ts): deletes Idempotency-Keys
 * past their retention, old rate-limit windows and events past EVENT_RETENTION_DAYS. Visible, pausable and triggerable in the
 * Temporal UI under Schedules.
 */
export async function housekeepingWorkflow(): Promise<{ idempotencyKeys: number; rateLimitWindows: number; events?: number }> {
  return activities.purgeExpired();
}
