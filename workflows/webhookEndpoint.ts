import { ApplicationFailure, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { QueuedDelivery, RetryShape } from '../activities/webhooks';
import { webhookDelivery, webhookPolling } from './activityPolicies';

export interface WebhookEndpointInput {
  endpointId: string;
  /** The waits between attempts: doubling from initialMs up to maxIntervalMs (docs/webhooks.md: the first within 30 s). */
  retry: RetryShape;
  /** The delivery queue's cursor (a bigint as a string); a new run starts at 0: every pending delivery. */
  afterSeq?: string;
  /** History events after which a run continues as new; HISTORY_LIMIT unless set (tests set a small one). */
  historyLimit?: number;
}

/** Deliveries in flight or queued in one run at most: past it the run stops taking more until some finish. */
const MAX_QUEUED = 500;
/** History events after which the run continues as new (Temporal's limit is 51,200 events). */
export const HISTORY_LIMIT = 5_000;
/** How long one poll waits for new deliveries before it returns empty. */
const POLL_WAIT_MS = 20_000;

/**
 * Delivers one endpoint's events, for as long as the endpoint is enabled.
 *
 * Shape: a loop polls the endpoint's queue (nextWebhookDeliveries: the log's new events that the
 * endpoint's filters take become its pending deliveries, in log order) and puts each delivery in
 * the lane of its aggregate. A lane delivers its aggregate's events one after the other, each
 * retried by Temporal (deliverWebhook, growing waits) until it is delivered or the retry window
 * passes (`failed`); lanes of different aggregates run side by side, so one aggregate's retries
 * never hold back another's events. The run ends when the endpoint is disabled or deleted, and
 * continues as new when its history grows long: it stops taking deliveries, gives its lanes a
 * minute to finish, and hands the next run a cursor before the first unfinished delivery, which
 * that run takes again (still pending in the table; at least once).
 */
export async function webhookEndpointWorkflow(input: WebhookEndpointInput): Promise<string> {
  if (
    !/^[0-9a-f-]{36}$/i.test(input.endpointId ?? '') ||
    !(input.retry?.initialMs > 0) ||
    !(input.retry?.maxIntervalMs > 0) ||
    (input.historyLimit !== undefined && !(input.historyLimit > 0))
  ) {
    throw ApplicationFailure.nonRetryable('webhookEndpointWorkflow: bad input', 'VALIDATION_ERROR');
  }
  const poll = webhookPolling(POLL_WAIT_MS);
  const deliver = webhookDelivery(input.retry);

  const lanes = new Map<string, QueuedDelivery[]>();
  let queued = 0;
  let after = BigInt(input.afterSeq ?? '0');
  /** The smallest seq not finished yet, for the next run's cursor. */
  const unfinished = new Set<bigint>();

  async function runLane(aggregateId: string): Promise<void> {
    for (;;) {
      const lane = lanes.get(aggregateId);
      const next = lane?.[0];
      if (!lane || !next) {
        lanes.delete(aggregateId);
        return;
      }
      try {
        await deliver.deliverWebhook({ endpointId: input.endpointId, eventId: next.eventId, retry: input.retry });
      } catch {
        // Only a bug or poison gets here (an attempt that failed is retried, a window that passed
        // returns 'failed'): the delivery stays pending in the table for the next run.
      }
      lane.shift();
      queued -= 1;
      unfinished.delete(BigInt(next.seq));
    }
  }

  for (;;) {
    await condition(() => queued < MAX_QUEUED);
    const batch = await poll.nextWebhookDeliveries({
      endpointId: input.endpointId,
      afterSeq: after.toString(),
      limit: Math.min(100, MAX_QUEUED - queued),
      waitMs: POLL_WAIT_MS,
    });
    if (batch.endpointStatus !== 'enabled') return `endpoint ${batch.endpointStatus}`;
    for (const delivery of batch.deliveries) {
      after = BigInt(delivery.seq);
      unfinished.add(after);
      queued += 1;
      const lane = lanes.get(delivery.aggregateId);
      if (lane) lane.push(delivery);
      else {
        lanes.set(delivery.aggregateId, [delivery]);
        void runLane(delivery.aggregateId);
      }
    }
    if (workflowInfo().historyLength > (input.historyLimit ?? HISTORY_LIMIT) || workflowInfo().continueAsNewSuggested) {
      await condition(() => queued === 0, '1 minute');
      const first = [...unfinished].reduce((min, seq) => (seq < min ? seq : min), after + 1n);
      await continueAsNew<typeof webhookEndpointWorkflow>({ ...input, afterSeq: (first - 1n).toString() });
    }
  }
}
