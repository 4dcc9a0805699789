import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Sql } from '../../ledger/db';
import type { RequestRecord, Send } from './workload';

/**
 * The fault suite's webhook receiver: an integrator's server that fails and times out at random
 * (500s, connections cut without an answer, answers later than the 10 s delivery timeout), and
 * that keeps every request it saw for the delivery checker.
 */

/** How the receiver treats one request, drawn at random. */
type Behaviour = 'ok' | 'error' | 'reset' | 'timeout';
/** The shares of the failing behaviours; the rest is answered 200 at once. */
const SHARES = { error: 0.1, reset: 0.04, timeout: 0.015 };
/** Longer than the sender's 10 s: the sender gives up first, so the answer never counts. */
const TIMEOUT_HANG_MS = 11_000;

export interface Received {
  webhookId: string;
  body: string;
  behaviour: Behaviour;
  /** A counter shared by arrivals and answers: which came first, without clock ties. */
  arrivedAt: number;
  /** When a 200 was written at once (the sender counts it as delivered); only for 'ok'. */
  ackedAt?: number;
  signatureOk: boolean;
}

export async function startWebhookReceiver() {
  let tick = 0;
  let secret = '';
  const received: Received[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const counts: Record<Behaviour, number> = { ok: 0, error: 0, reset: 0, timeout: 0 };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const dice = Math.random();
      const behaviour: Behaviour =
        dice < SHARES.error
          ? 'error'
          : dice < SHARES.error + SHARES.reset
            ? 'reset'
            : dice < SHARES.error + SHARES.reset + SHARES.timeout
              ? 'timeout'
              : 'ok';
      counts[behaviour] += 1;
      let signatureOk = false;
      try {
        new Webhook(secret).verify(body, req.headers as Record<string, string>);
        signatureOk = true;
      } catch {
        // recorded: a violation
      }
      const record: Received = { webhookId: String(req.headers['webhook-id']), body, behaviour, arrivedAt: ++tick, signatureOk };
      received.push(record);
      if (behaviour === 'error') res.writeHead(500).end();
      else if (behaviour === 'reset') req.socket.destroy();
      else if (behaviour === 'timeout') setTimeout(() => res.writeHead(200).end(), TIMEOUT_HANG_MS).unref();
      else {
        record.ackedAt = ++tick;
        res.writeHead(200).end();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/corebank-events`,
    received,
    counts,
    /** The endpoint's secret, once it is registered: every request's signature is checked with it. */
    useSecret(value: string) {
      secret = value;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

/** Registers the receiver for every event type, before the workload: it must get every event. */
export async function registerReceiver(send: Send, receiver: WebhookReceiver): Promise<string> {
  const created = await send('setup', 'POST', '/internal/WebhookEndpoints', { url: receiver.url, eventTypes: ['*'] });
  if (created?.status !== 201) throw new Error(`registering the webhook endpoint answered ${created?.status}`);
  receiver.useSecret(created.body.value.secret);
  return created.body.value.id as string;
}

interface LoggedEvent {
  id: string;
  aggregateId: string;
  aggregateSeq: bigint;
  type: string;
  status: string | null;
}

/** The log's events from the endpoint's registration on (the bank's own setup before it is not sent), by aggregate. */
const endpointEvents = (sql: Sql, endpointId: string) => sql<LoggedEvent[]>`
  SELECT id, aggregate_id, aggregate_seq, type, data->>'status' AS status FROM events
  WHERE created_at >= (SELECT created_at FROM webhook_endpoints WHERE id = ${endpointId})
     OR id IN (SELECT event_id FROM webhook_deliveries WHERE endpoint_id = ${endpointId})
  ORDER BY aggregate_id, aggregate_seq`;

/** Waits until every event has been answered 200 at once by the receiver (or gives up). */
async function awaitDeliveries(sql: Sql, receiver: WebhookReceiver, endpointId: string, log: (line: string) => void, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await endpointEvents(sql, endpointId);
    const acked = new Set(receiver.received.filter((r) => r.ackedAt !== undefined).map((r) => r.webhookId));
    const missing = events.filter((e) => !acked.has(e.id)).length;
    if (missing === 0 || Date.now() > deadline) return;
    log(`waiting for webhooks: ${events.length - missing} of ${events.length} events delivered`);
    await new Promise((r) => setTimeout(r, 5_000));
  }
}

/**
 * The delivery checker. Every event of the log was answered 200 at least once; within one
 * aggregate no event arrived before the one before it had been answered 200 (order per aggregate);
 * every request of one webhook-id carried the same body, that event's, signed with the endpoint's
 * secret; every change a client was told of (an answer naming a payment, transfer, client or
 * account and its status) has an event of that aggregate with that status.
 */
export async function checkWebhooks(
  sql: Sql,
  receiver: WebhookReceiver,
  endpointId: string,
  history: RequestRecord[],
  violations: string[],
  log: (line: string) => void,
): Promise<string> {
  await awaitDeliveries(sql, receiver, endpointId, log, 300_000);
  const found: string[] = [];
  const events = await endpointEvents(sql, endpointId);
  const byId = new Map<string, Received[]>();
  for (const r of receiver.received) {
    const list = byId.get(r.webhookId);
    if (list) list.push(r);
    else byId.set(r.webhookId, [r]);
  }
  const loggedIds = new Set(events.map((e) => e.id));

  // Delivered at least once, and with one body per webhook-id.
  for (const e of events) {
    const requests = byId.get(e.id) ?? [];
    if (!requests.some((r) => r.ackedAt !== undefined)) {
      found.push(`event ${e.id} (${e.type} of ${e.aggregateId} #${e.aggregateSeq}) never delivered (${requests.length} requests)`);
    }
    const bodies = new Set(requests.map((r) => r.body));
    if (bodies.size > 1) found.push(`webhook-id ${e.id} arrived with ${bodies.size} different bodies`);
    for (const r of requests) {
      const parsed = JSON.parse(r.body);
      if (parsed.id !== e.id || parsed.aggregate?.id !== e.aggregateId || parsed.aggregate?.sequence !== Number(e.aggregateSeq)) {
        found.push(`webhook-id ${e.id}: the body names event ${parsed.id}, ${parsed.aggregate?.id} #${parsed.aggregate?.sequence}`);
      }
      if (!r.signatureOk) found.push(`webhook-id ${e.id}: the signature does not verify (standardwebhooks)`);
    }
  }
  for (const id of byId.keys()) if (!loggedIds.has(id)) found.push(`webhook-id ${id} is no event of the log`);

  // Order per aggregate: event n+1 first arrives after some 200 to event n, and the sequence has no gap.
  let previous: LoggedEvent | undefined;
  for (const e of events) {
    // An aggregate's first event here may follow ones written before the endpoint was registered.
    if (previous?.aggregateId === e.aggregateId) {
      if (e.aggregateSeq !== previous.aggregateSeq + 1n) {
        found.push(`aggregate ${e.aggregateId}: event #${e.aggregateSeq} follows #${previous.aggregateSeq}`);
      }
      const firstArrival = Math.min(...(byId.get(e.id) ?? []).map((r) => r.arrivedAt));
      const acks = (byId.get(previous.id) ?? []).flatMap((r) => (r.ackedAt === undefined ? [] : [r.ackedAt]));
      if (!acks.some((at) => at < firstArrival)) {
        found.push(
          `aggregate ${e.aggregateId}: ${e.type} #${e.aggregateSeq} arrived before ${previous.type} #${previous.aggregateSeq} was delivered`,
        );
      }
    }
    previous = e;
  }

  // Every change a client was told of has its event.
  const statusesOf = new Map<string, Set<string>>();
  for (const e of events) {
    if (!e.status) continue;
    const set = statusesOf.get(e.aggregateId) ?? new Set<string>();
    set.add(e.status);
    statusesOf.set(e.aggregateId, set);
  }
  let told = 0;
  for (const r of history) {
    const value = r.final?.body?.value;
    if (!r.final || typeof r.final.status !== 'number' || r.final.status >= 300 || r.method === 'GET') continue;
    if (!/\/(Payments|Transfers|Clients|Accounts)\b/.test(r.path) || /search|otp/i.test(r.path)) continue;
    if (typeof value?.id !== 'string' || typeof value?.status !== 'string') continue;
    told += 1;
    if (!statusesOf.get(value.id)?.has(value.status)) {
      found.push(`${r.op} ${r.method} ${r.path} answered ${r.final.status} ${value.status} for ${value.id}: no event with that status`);
    }
  }

  const [{ delivered, pending, failed }] = await sql<[{ delivered: bigint; pending: bigint; failed: bigint }]>`
    SELECT count(*) FILTER (WHERE status = 'delivered') AS delivered, count(*) FILTER (WHERE status = 'pending') AS pending,
           count(*) FILTER (WHERE status = 'failed') AS failed
    FROM webhook_deliveries WHERE endpoint_id = ${endpointId}`;
  if (Number(pending) + Number(failed) > 0) found.push(`deliveries table: ${pending} pending, ${failed} failed at the end`);
  violations.push(...found.map((v) => `webhooks: ${v}`));
  const c = receiver.counts;
  return (
    `${events.length} events, ${receiver.received.length} requests (${c.ok} answered 200, ${c.error} 500, ${c.reset} cut, ` +
    `${c.timeout} past the timeout), ${byId.size} webhook-ids, ${told} answers told of a change checked; ` +
    `deliveries ${delivered} delivered; ${found.length} delivery violations`
  );
}
