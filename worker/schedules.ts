import { type Client, ScheduleAlreadyRunning } from '@temporalio/client';

/** The schedules the worker keeps: ops see, pause and trigger them in the Temporal UI (Schedules). */
export const HOUSEKEEPING_SCHEDULE_ID = 'housekeeping';

/** Creates the schedules that do not exist yet; an existing one is left as ops configured it. */
export async function ensureSchedules(client: Client, taskQueue: string): Promise<string[]> {
  const created: string[] = [];
  try {
    await client.schedule.create({
      scheduleId: HOUSEKEEPING_SCHEDULE_ID,
      spec: { intervals: [{ every: '1 hour' }] },
      action: { type: 'startWorkflow', workflowType: 'housekeepingWorkflow', taskQueue, args: [] },
      policies: { overlap: 'SKIP' },
    });
    created.push(HOUSEKEEPING_SCHEDULE_ID);
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  return created;
}
