import { proxyActivities } from '@temporalio/workflow';

export const noopActivities = {
  async noop(): Promise<void> {},
};

const { noop } = proxyActivities<typeof noopActivities>({ startToCloseTimeout: '10 seconds' });

/** The baseline of the workflow benchmarks: start, one no-op activity, complete. */
export async function noopWorkflow(): Promise<void> {
  await noop();
}
