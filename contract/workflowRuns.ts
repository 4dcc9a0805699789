// Client side only (the API and activities): no workflow imports this module.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';

/**
 * Whether a workflow run has ended: completed, failed, cancelled, terminated, timed out, or
 * continued on (the run that held the money is gone), or the workflow is unknown to Temporal.
 * Used to find money held by a run that will never release it (store/strandedHolds.ts).
 */
export function workflowEndedVia(client: Client): (workflowId: string) => Promise<boolean> {
  return async (workflowId) => {
    try {
      const { status } = await client.workflow.getHandle(workflowId).describe();
      return status.name !== 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return true;
      throw error;
    }
  };
}
