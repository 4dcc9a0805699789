import type { Client } from '@temporalio/client';
import { webhookEndpointWorkflowId } from '../contract/workflowIds';
import { NotFoundError, ValidationError } from '../domain/errors';
import { parseEventTypePatterns } from '../domain/events';
import { newId } from '../domain/ids';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import { encryptSecret, generateSecret } from '../domain/webhookSecrets';
import { getEvent, logHead, recordEvent, sequenceEvents } from '../ledger/events';
import { getClient } from '../store/clients';
import {
  type DeliveryFilter,
  type DeliveryRow,
  type EndpointRow,
  eventIdsSince,
  getEndpoint,
  insertEndpoint,
  listDeliveries,
  listEndpoints,
  lockEndpoint,
  requeueDeliveries,
  updateEndpoint,
} from '../store/webhooks';
import type { WebhookEndpointInput, webhookEndpointWorkflow } from '../workflows/webhookEndpoint';
import type { UseCaseDeps } from './deps';
import { checkEndpointUrl } from './webhookUrls';
import { toDomainError, withinWait } from './workflowCalls';

/** How long a rotated-out secret keeps signing (docs/webhooks.md: 24 hours, both sign meanwhile). */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;
/** Events one redeliver `since` queues at most. */
const REDELIVER_SINCE_LIMIT = 10_000;

export interface NewEndpointRequest {
  url: string;
  eventTypes: string[];
  description: string | null;
  clientId: string | null;
}

export interface EndpointChangeRequest {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  status?: 'enabled' | 'disabled';
}

export type Redelivery = { eventIds: string[] } | { since: Date };

/**
 * Webhook endpoints (docs/webhooks.md). Each enabled endpoint has one delivery
 * workflow (workflows/webhookEndpoint.ts); these use cases write the endpoint and make sure its
 * workflow runs. The secret is returned only by create and rotate-secret.
 */
export function createWebhookUseCases(deps: Pick<UseCaseDeps, 'sql' | 'temporal' | 'taskQueue' | 'workflowWaitMs' | 'webhooks'>) {
  const { sql, temporal, taskQueue, workflowWaitMs } = deps;
  const policy = deps.webhooks as NonNullable<UseCaseDeps['webhooks']>;

  /** Starts the endpoint's workflow unless it runs already (a restart or re-enable takes up its pending deliveries). */
  async function ensureRunning(endpointId: string): Promise<void> {
    const input: WebhookEndpointInput = {
      endpointId,
      retry: { initialMs: policy.retryInitialMs, maxIntervalMs: policy.retryMaxIntervalMs },
    };
    try {
      await withinWait(temporal, workflowWaitMs, () =>
        startEndpointWorkflow(temporal, { workflowId: webhookEndpointWorkflowId(endpointId), taskQueue, input }),
      );
    } catch (error) {
      throw toDomainError(error);
    }
  }

  async function get(endpointId: string): Promise<EndpointRow> {
    const endpoint = await getEndpoint(sql, endpointId);
    if (!endpoint) throw new NotFoundError('webhook endpoint', endpointId);
    return endpoint;
  }

  async function create(request: NewEndpointRequest): Promise<{ endpoint: EndpointRow; secret: string }> {
    const url = await checkEndpointUrl(request.url, policy.allowPrivateUrls);
    const eventTypes = parseEventTypePatterns(request.eventTypes, 'eventTypes');
    if (request.clientId !== null && !(await getClient(sql, request.clientId))) throw new NotFoundError('client', request.clientId);
    const id = newId();
    const secret = generateSecret();
    // From now on: the events committed before the endpoint existed are not sent (redeliver `since` sends them).
    await sequenceEvents(sql);
    const endpoint = await insertEndpoint(sql, {
      id,
      url,
      description: request.description,
      eventTypes,
      clientId: request.clientId,
      secret: encryptSecret(policy.secretKeys, id, secret),
      claimedPosition: await logHead(sql),
    });
    try {
      await ensureRunning(id);
    } catch (error) {
      // No endpoint without its workflow: the caller retries the create.
      await sql`UPDATE webhook_endpoints SET status = 'deleted' WHERE id = ${id}`;
      throw error;
    }
    return { endpoint, secret };
  }

  async function list(filter: { clientId?: string }, page: PageRequest): Promise<Page<EndpointRow>> {
    return toPage(await listEndpoints(sql, filter, page), page.limit, (e) => e);
  }

  async function update(endpointId: string, changes: EndpointChangeRequest): Promise<EndpointRow> {
    const current = await get(endpointId);
    const url = changes.url === undefined ? undefined : await checkEndpointUrl(changes.url, policy.allowPrivateUrls);
    const eventTypes = changes.eventTypes === undefined ? undefined : parseEventTypePatterns(changes.eventTypes, 'eventTypes');
    const enabling = changes.status === 'enabled' && current.status !== 'enabled';
    if (enabling) await sequenceEvents(sql);
    const updated = await updateEndpoint(sql, endpointId, {
      url,
      eventTypes,
      description: changes.description,
      status: changes.status,
      // Enabled again: from the log's head on; what happened while disabled is not sent (redeliver `since` does).
      ...(enabling ? { claimedPosition: await logHead(sql), disabledReason: null } : {}),
      ...(changes.status === 'disabled' && current.status !== 'disabled' ? { disabledReason: 'disabled by request' } : {}),
    });
    if (!updated) throw new NotFoundError('webhook endpoint', endpointId);
    if (updated.status === 'enabled') await ensureRunning(endpointId);
    return updated;
  }

  /** Deleted: never shown again; its workflow ends at its next look and deliveries in flight stop. */
  async function remove(endpointId: string): Promise<void> {
    const [row] = await sql`
      UPDATE webhook_endpoints SET status = 'deleted', updated_at = now() WHERE id = ${endpointId} AND status <> 'deleted' RETURNING id`;
    if (!row) throw new NotFoundError('webhook endpoint', endpointId);
  }

  async function rotateSecret(endpointId: string): Promise<{ endpoint: EndpointRow; secret: string }> {
    const secret = generateSecret();
    const endpoint = await sql.begin(async (tx) => {
      const current = await lockEndpoint(tx, endpointId);
      if (!current || current.status === 'deleted') throw new NotFoundError('webhook endpoint', endpointId);
      return updateEndpoint(tx, endpointId, {
        secret: encryptSecret(policy.secretKeys, endpointId, secret),
        previousSecret: current.secret,
        previousSecretExpiresAt: new Date(Date.now() + ROTATION_OVERLAP_MS),
      });
    });
    return { endpoint: endpoint as EndpointRow, secret };
  }

  /** A `webhook.test` event, delivered to this endpoint only (it is in the log, and no other endpoint takes it). */
  async function sendTest(endpointId: string): Promise<string> {
    const eventId = await sql.begin(async (tx) => {
      const endpoint = await lockEndpoint(tx, endpointId);
      if (!endpoint || endpoint.status === 'deleted') throw new NotFoundError('webhook endpoint', endpointId);
      const event = await recordEvent(tx, {
        type: 'webhook.test',
        aggregateType: 'webhook_endpoint',
        aggregateId: endpointId,
        clientId: endpoint.clientId,
        data: { endpointId, message: 'a test event sent by POST /internal/WebhookEndpoints/{endpointId}/test' },
      });
      await requeueDeliveries(tx, endpointId, [event.id]);
      return event.id;
    });
    if ((await get(endpointId)).status === 'enabled') await ensureRunning(endpointId);
    return eventId;
  }

  async function deliveries(endpointId: string, filter: DeliveryFilter, page: PageRequest): Promise<Page<DeliveryRow>> {
    await get(endpointId);
    return toPage(await listDeliveries(sql, endpointId, filter, page), page.limit, (d) => d);
  }

  /** Sends these events again, failed ones included, with their original id and body; returns how many were queued. */
  async function redeliver(endpointId: string, what: Redelivery): Promise<number> {
    const endpoint = await get(endpointId);
    let eventIds: string[];
    if ('eventIds' in what) {
      eventIds = [...new Set(what.eventIds)];
      for (const id of eventIds) {
        if (!(await getEvent(sql, id))) throw new NotFoundError('event', id);
      }
    } else {
      if (what.since.getTime() > Date.now()) throw new ValidationError('since must not be in the future', 'since');
      eventIds = await eventIdsSince(sql, endpoint, what.since, REDELIVER_SINCE_LIMIT);
    }
    const queued = await sql.begin(async (tx) => {
      const locked = await lockEndpoint(tx, endpointId);
      if (!locked || locked.status === 'deleted') throw new NotFoundError('webhook endpoint', endpointId);
      return requeueDeliveries(tx, endpointId, eventIds);
    });
    if (endpoint.status === 'enabled') await ensureRunning(endpointId);
    return queued;
  }

  return { create, list, get, update, remove, rotateSecret, sendTest, deliveries, redeliver, ensureRunning };
}

/** One start call, kept apart so the Temporal options are in one place. */
function startEndpointWorkflow(temporal: Client, o: { workflowId: string; taskQueue: string; input: WebhookEndpointInput }) {
  // By name, typed by the workflow's signature: the API process never loads workflow code.
  return temporal.workflow.start<typeof webhookEndpointWorkflow>('webhookEndpointWorkflow', {
    workflowId: o.workflowId,
    taskQueue: o.taskQueue,
    args: [o.input],
    // One workflow per endpoint: a running one is kept (it reads the endpoint's settings as it goes).
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
