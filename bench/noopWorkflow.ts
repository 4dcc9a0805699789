import { proxyActivities } from '@temporalio/workflow';

export const noopActivities = {
  async noop(): Promise<void> {},
};

const { noop } = proxyActivities<typeof noopActivities>({ startToCloseTimeout: '10 seconds' });

/** The engine's floor: start and complete, one workflow task, no activity. */
export async function emptyWorkflow(): Promise<void> {}

/** The floor with one activity: start, one no-op activity, complete. */
export async function noopWorkflow(): Promise<void> {
  await noop();
}
