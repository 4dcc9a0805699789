import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEndpointWorkflowId } from '../../contract/workflowIds';
import { webhookEndpointWorkflow } from '../../workflows/webhookEndpoint';
import { useOwnWorker, useTestApi } from '../support/suite';

// A queue of its own: this suite's endpoint workflow runs on its own worker.
const worker = useOwnWorker();
const api = useTestApi({ taskQueue: worker.taskQueue });

/** Continue as new past this many history events: every few deliveries (production: 5,000). */
const HISTORY_LIMIT = 40;

interface Arrival {
  id: string;
  aggregateId: string;
  sequence: number;
  body: string;
  /** Answered 200 (the delivery counts), or 500 (it is retried). */
  ok: boolean;
}
const arrivals: Arrival[] = [];
let server: Server;
let url: string;
beforeAll(async () => {
  let n = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(body);
      // Every fourth request fails: retries are in flight when a run hands over to the next.
      const ok = ++n % 4 !== 0;
      arrivals.push({ id: event.id, aggregateId: event.aggregate.id, sequence: event.aggregate.sequence, body, ok });
      res.writeHead(ok ? 200 : 500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('the endpoint workflow continued as new', () => {
  it('hands over to the next run without losing or reordering any event, each run within its history limit', async () => {
    const endpoint = (await api().post('/internal/WebhookEndpoints', { url, eventTypes: ['client.*'] })).body.value;
    const workflowId = webhookEndpointWorkflowId(endpoint.id);
    // The endpoint's workflow again, with a small history limit (the only way the API starts it is with the default).
    const client = api().temporal;
    await client.workflow.getHandle(workflowId).terminate('test: restarted with a small history limit');
    const first = await client.workflow.start(webhookEndpointWorkflow, {
      workflowId,
      taskQueue: worker.taskQueue,
      args: [{ endpointId: endpoint.id, retry: { initialMs: 200, maxIntervalMs: 1_000 }, historyLimit: HISTORY_LIMIT }],
    });

    // Three clients, each created, then blocked and unblocked round after round until the
    // workflow has handed over to a next run three times (at most 10 rounds).
    const clients: string[] = [];
    for (let c = 0; c < 3; c++) {
      const created = await api().post('/internal/Clients', {
        type: 'individual',
        firstName: 'Can',
        lastName: `N${c}`,
        email: `can${c}-${Date.now()}@example.com`,
        country: 'GB',
      });
      expect(created.status).toBe(201);
      clients.push(created.body.value.id);
    }
    const runIds = new Set([first.firstExecutionRunId]);
    let rounds = 0;
    while (runIds.size < 4 && rounds < 10) {
      for (const id of clients) {
        expect((await api().put(`/internal/Clients/${id}/block`, { reason: `round ${rounds}` })).status).toBe(200);
        expect((await api().put(`/internal/Clients/${id}/unblock`)).status).toBe(200);
        // Spread out: the workflow takes them in many small batches, across several runs.
        await new Promise((r) => setTimeout(r, 700));
        runIds.add((await client.workflow.getHandle(workflowId).describe()).runId);
      }
      rounds += 1;
    }
    const perClient = 1 + 2 * rounds;
    const mine = () => arrivals.filter((a) => clients.includes(a.aggregateId));
    const delivered = () =>
      new Set(
        mine()
          .filter((a) => a.ok)
          .map((a) => a.id),
      ).size;
    await expect.poll(delivered, { timeout: 90_000, interval: 300 }).toBe(3 * perClient);

    // Not lost: every event of the log for these clients was answered 200.
    for (const clientId of clients) {
      const logged = (await api().get(`/internal/Events?aggregateId=${clientId}&limit=50`)).body.value.items as {
        id: string;
        aggregate: { sequence: number };
      }[];
      expect(logged.map((e) => e.aggregate.sequence)).toEqual(Array.from({ length: perClient }, (_, i) => i + 1));
      for (const e of logged) expect(mine().some((a) => a.id === e.id && a.ok)).toBe(true);
      // In order: an event first arrives only after the one before it was answered 200, and one body per id.
      const ofClient = mine().filter((a) => a.aggregateId === clientId);
      for (let seq = 2; seq <= perClient; seq++) {
        const firstArrival = ofClient.findIndex((a) => a.sequence === seq);
        const previousOk = ofClient.findIndex((a) => a.sequence === seq - 1 && a.ok);
        expect(previousOk, `client ${clientId}: #${seq} before #${seq - 1} was delivered`).toBeGreaterThanOrEqual(0);
        expect(previousOk).toBeLessThan(firstArrival);
      }
      for (const e of logged) expect(new Set(ofClient.filter((a) => a.id === e.id).map((a) => a.body)).size).toBe(1);
    }

    // It did continue as new, more than once, and no run's history grew far past the limit
    // (a run stops taking deliveries past it and lets its lanes finish first).
    const runs: number[] = [];
    let runId: string | undefined = first.firstExecutionRunId;
    while (runId) {
      const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      runs.push(events.length);
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    console.log(`continue-as-new test: ${rounds} rounds, ${runs.length} runs, history lengths ${runs.join(', ')}`);
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const length of runs.slice(0, -1)) expect(length).toBeLessThan(HISTORY_LIMIT + 400);

    expect((await api().request('DELETE', `/internal/WebhookEndpoints/${endpoint.id}`)).status).toBe(200);
  }, 150_000);
});
