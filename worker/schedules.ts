import { type Client, ScheduleAlreadyRunning, type ScheduleOptions } from '@temporalio/client';
import { readSomeSettings } from '../config/env';

/** The schedules the worker keeps: ops see, pause and trigger them in the Temporal UI (Schedules). */
export const HOUSEKEEPING_SCHEDULE_ID = 'housekeeping';
/** End-of-day balance snapshots of every account, for the day before. */
export const DAILY_BALANCE_SCHEDULE_ID = 'daily-account-balance';
/** The daily consistency check, for the day before (after the snapshots, which it checks too). */
export const DAILY_CHECK_SCHEDULE_ID = 'daily-check';

/** When the daily schedules run: `HH:MM` in an IANA time zone (DAILY_*_AT, SCHEDULE_TIME_ZONE). */
export interface ScheduleTimes {
  dailyBalanceAt: string;
  dailyCheckAt: string;
  timeZone: string;
}

export function scheduleTimes(env: NodeJS.ProcessEnv = process.env): ScheduleTimes {
  const settings = readSomeSettings(env, ['DAILY_ACCOUNT_BALANCE_AT', 'DAILY_CHECK_AT', 'SCHEDULE_TIME_ZONE']);
  return {
    dailyBalanceAt: settings.DAILY_ACCOUNT_BALANCE_AT,
    dailyCheckAt: settings.DAILY_CHECK_AT,
    timeZone: settings.SCHEDULE_TIME_ZONE,
  };
}

const at = (time: string) => ({ hour: Number(time.slice(0, 2)), minute: Number(time.slice(3, 5)) });

/** Creates the schedules that do not exist yet; an existing one is left as ops configured it. */
export async function ensureSchedules(client: Client, taskQueue: string, times: ScheduleTimes = scheduleTimes({})): Promise<string[]> {
  const daily = (id: string, time: string, workflowType: string): ScheduleOptions => ({
    scheduleId: id,
    spec: { calendars: [at(time)], timezone: times.timeZone },
    // No input: the workflow takes the UTC day before the one it starts on.
    action: { type: 'startWorkflow', workflowType, taskQueue, args: [{}] },
    // A missed run (worker or Temporal down over the time) is caught up within a day.
    policies: { overlap: 'SKIP', catchupWindow: '1 day' },
  });
  const wanted: ScheduleOptions[] = [
    {
      scheduleId: HOUSEKEEPING_SCHEDULE_ID,
      spec: { intervals: [{ every: '1 hour' }] },
      action: { type: 'startWorkflow', workflowType: 'housekeepingWorkflow', taskQueue, args: [] },
      policies: { overlap: 'SKIP' },
    },
    daily(DAILY_BALANCE_SCHEDULE_ID, times.dailyBalanceAt, 'dailyAccountBalanceWorkflow'),
    daily(DAILY_CHECK_SCHEDULE_ID, times.dailyCheckAt, 'dailyCheckWorkflow'),
  ];
  const created: string[] = [];
  for (const options of wanted) {
    try {
      await client.schedule.create(options);
      created.push(options.scheduleId);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
  }
  return created;
}
