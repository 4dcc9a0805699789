import { ApplicationFailure, Context } from '@temporalio/activity';
import { localWebhookPolicy } from '../config/env';
import { decryptSecret, type SecretKeys, signatureHeader } from '../domain/webhookSecrets';
import type { Sql } from '../ledger/db';
import { eventView, getEvent, sequenceEvents } from '../ledger/events';
import { claimEvents, type EndpointRow, getDelivery, lockEndpoint, pendingDeliveries, recordAttempt } from '../store/webhooks';
import { webhookAttempts, webhookFailures } from './metrics';
import { postWebhook } from './webhookSender';

/** What the worker knows about delivering webhooks (config/env.ts WebhookPolicy). */
export interface WebhookActivityPolicy {
  secretKeys: SecretKeys;
  allowPrivateUrls: boolean;
  /** A delivery is retried this long from when it became pending, then `failed`. */
  retryWindowMs: number;
}

/** How the workflow retries deliveries; the activity uses it to tell when the next attempt comes. */
export interface RetryShape {
  initialMs: number;
  maxIntervalMs: number;
}

export interface QueuedDelivery {
  /** The delivery's queue position (a bigint as a string): the workflow's cursor. */
  seq: string;
  eventId: string;
  aggregateId: string;
}

export interface NextDeliveries {
  endpointStatus: EndpointRow['status'] | 'missing';
  deliveries: QueuedDelivery[];
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'stopped' | 'not-pending';

const POLL_INTERVAL_MS = 500;

export function createWebhookActivities({ sql, webhooks = localWebhookPolicy() }: { sql: Sql; webhooks?: WebhookActivityPolicy }) {
  /** One look: numbers new events, takes the endpoint's into its deliveries, returns the pending ones after the cursor. */
  async function look(endpointId: string, afterSeq: bigint, limit: number): Promise<NextDeliveries> {
    await sequenceEvents(sql);
    return sql.begin(async (tx) => {
      const endpoint = await lockEndpoint(tx, endpointId);
      if (!endpoint) return { endpointStatus: 'missing' as const, deliveries: [] };
      if (endpoint.status !== 'enabled') return { endpointStatus: endpoint.status, deliveries: [] };
      await claimEvents(tx, endpoint);
      const rows = await pendingDeliveries(tx, endpointId, afterSeq, limit);
      return {
        endpointStatus: endpoint.status,
        deliveries: rows.map((d) => ({ seq: d.seq.toString(), eventId: d.eventId, aggregateId: d.aggregateId })),
      };
    });
  }

  /**
   * The endpoint's next pending deliveries after the workflow's cursor; waits up to `waitMs` for
   * some (polling Postgres, heartbeating), so an idle endpoint costs its workflow one activity per
   * wait rather than one per poll.
   */
  async function nextWebhookDeliveries(input: {
    endpointId: string;
    afterSeq: string;
    limit: number;
    waitMs: number;
  }): Promise<NextDeliveries> {
    const deadline = Date.now() + input.waitMs;
    for (;;) {
      const next = await look(input.endpointId, BigInt(input.afterSeq), input.limit);
      if (next.deliveries.length > 0 || next.endpointStatus !== 'enabled' || Date.now() >= deadline) return next;
      Context.current().heartbeat();
      await Context.current().sleep(POLL_INTERVAL_MS);
    }
  }

  /** The secrets that sign now: the current one, and the previous one until it expires (rotation). */
  function signingSecrets(endpoint: EndpointRow): string[] {
    const secrets = [decryptSecret(webhooks.secretKeys, endpoint.id, endpoint.secret)];
    if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > Date.now()) {
      secrets.push(decryptSecret(webhooks.secretKeys, endpoint.id, endpoint.previousSecret));
    }
    return secrets;
  }

  /**
   * One attempt to deliver one event (Standard Webhooks headers, 10 s). A failed attempt is
   * recorded and thrown as retryable, so Temporal waits (growing) and calls again; once the
   * delivery has been pending for the retry window it is recorded `failed` and returned as such.
   */
  async function deliverWebhook(input: { endpointId: string; eventId: string; retry: RetryShape }): Promise<DeliveryOutcome> {
    const [endpointRows, delivery, event] = await Promise.all([
      sql<EndpointRow[]>`SELECT * FROM webhook_endpoints WHERE id = ${input.endpointId}`,
      getDelivery(sql, input.endpointId, input.eventId),
      getEvent(sql, input.eventId),
    ]);
    const endpoint = endpointRows[0];
    // Deleted or disabled meanwhile: deliveries in flight stop (a re-enabled endpoint's workflow takes them up again).
    if (endpoint?.status !== 'enabled') return 'stopped';
    if (delivery?.status !== 'pending') return 'not-pending';
    const now = Date.now();
    if (!event) {
      await recordAttempt(sql, input.endpointId, input.eventId, {
        ok: false,
        statusCode: null,
        error: 'the event is no longer kept (EVENT_RETENTION_DAYS)',
        nextAttemptAt: null,
        giveUp: true,
      });
      return 'failed';
    }
    const body = JSON.stringify(eventView(event));
    const timestamp = Math.floor(now / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      statusCode = await postWebhook({
        url: endpoint.url,
        body,
        allowPrivate: webhooks.allowPrivateUrls,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'corebank-webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(signingSecrets(endpoint), event.id, timestamp, body),
        },
      });
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (e) {
      error = ((e as Error).message || String(e)).slice(0, 500);
    }
    const ok = error === null;
    const attempt = Context.current().info.attempt;
    const wait = Math.min(input.retry.initialMs * 2 ** Math.min(attempt - 1, 30), input.retry.maxIntervalMs);
    const giveUp = !ok && now - delivery.pendingSince.getTime() >= webhooks.retryWindowMs;
    await recordAttempt(sql, input.endpointId, input.eventId, {
      ok,
      statusCode,
      error,
      nextAttemptAt: new Date(now + wait),
      giveUp,
    });
    webhookAttempts.inc({ endpoint: endpoint.id, outcome: ok ? 'delivered' : giveUp ? 'failed' : 'retry' });
    if (ok) return 'delivered';
    if (giveUp) {
      webhookFailures.inc({ endpoint: endpoint.id });
      await disableIfFailingThroughout(endpoint);
      return 'failed';
    }
    throw ApplicationFailure.retryable(`delivery of ${event.id} to ${endpoint.id} failed: ${error}`, 'WebhookAttemptFailed');
  }

  /** docs/webhooks.md: an endpoint whose deliveries all failed for the whole retry window is disabled, with the reason. */
  async function disableIfFailingThroughout(endpoint: EndpointRow): Promise<void> {
    const since = new Date(Date.now() - webhooks.retryWindowMs);
    await sql`
      UPDATE webhook_endpoints SET status = 'disabled', updated_at = now(),
        disabled_reason = ${`every delivery failed for ${Math.round(webhooks.retryWindowMs / 3_600_000)} h (the retry window)`}
      WHERE id = ${endpoint.id} AND status = 'enabled' AND coalesce(last_success_at, created_at) < ${since}`;
  }

  return { nextWebhookDeliveries, deliverWebhook };
}
