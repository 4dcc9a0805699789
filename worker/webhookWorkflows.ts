import type { Client } from '@temporalio/client';
import type { RetryShape } from '../activities/webhooks';
import { webhookEndpointWorkflowId } from '../contract/workflowIds';
import type { Sql } from '../ledger/db';
import { webhookEndpointWorkflow } from '../workflows/webhookEndpoint';

/**
 * At worker start: every enabled endpoint has its delivery workflow running (one whose start was
 * lost, or that ended while Temporal's history was lost, is started again and takes up the
 * endpoint's pending deliveries from the table). A running one is left as it is.
 */
export async function ensureEndpointWorkflows(client: Client, sql: Sql, taskQueue: string, retry: RetryShape): Promise<number> {
  const endpoints = await sql<{ id: string }[]>`SELECT id FROM webhook_endpoints WHERE status = 'enabled' ORDER BY seq`;
  for (const { id } of endpoints) {
    await client.workflow.start(webhookEndpointWorkflow, {
      workflowId: webhookEndpointWorkflowId(id),
      taskQueue,
      args: [{ endpointId: id, retry }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }
  return endpoints.length;
}
