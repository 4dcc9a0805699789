import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEndpointWorkflowId } from '../../contract/workflowIds';
import { useOwnWorker, useTestApi } from '../support/suite';

// A queue of its own, so killing this worker leaves the shared one alone.
const worker = useOwnWorker();
const api = useTestApi({ taskQueue: worker.taskQueue });

const bodies: { id: string; type: string; body: string; headers: Record<string, string> }[] = [];
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(body);
      bodies.push({ id: event.id, type: event.type, body, headers: req.headers as Record<string, string> });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const newClient = (n: number) =>
  api().post('/internal/Clients', {
    type: 'individual',
    firstName: 'Ada',
    lastName: `L${n}`,
    email: `ada${n}-${Date.now()}@example.com`,
    country: 'GB',
  });

describe('webhooks across a worker crash', () => {
  it('delivers every event written while the worker was down, also when the workflow itself was lost', async () => {
    const created = await api().post('/internal/WebhookEndpoints', { url, eventTypes: ['client.*'] });
    const { id, secret } = created.body.value;
    const first = (await newClient(0)).body.value.id as string;
    const ids = [first];
    // Other suites' clients reach this endpoint too (it takes every client.*): count this test's own.
    const mine = () => bodies.filter((b) => ids.includes(JSON.parse(b.body).aggregate.id));
    await expect.poll(() => mine().length, { timeout: 30_000 }).toBe(1);

    // The workflow is lost (terminated) and the worker dies; changes go on meanwhile.
    await api().temporal.workflow.getHandle(webhookEndpointWorkflowId(id)).terminate('test: lost');
    await worker.kill();
    for (let n = 1; n <= 3; n++) ids.push((await newClient(n)).body.value.id);
    await api().put(`/internal/Clients/${first}/block`, { reason: 'while down' });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(mine()).toHaveLength(1);

    // A new worker starts the endpoint's workflow again, which sends what it missed.
    await worker.start();
    await expect.poll(() => new Set(mine().map((b) => b.id)).size, { timeout: 60_000, interval: 250 }).toBe(5);
    // At least once: a delivery answered 200 just before the workflow was lost may come again
    // (same webhook-id); the receiver drops repeats by id, and what it keeps is in order.
    const seen = new Set<string>();
    const forFirst = mine()
      .filter((b) => JSON.parse(b.body).aggregate.id === first && !seen.has(b.id) && seen.add(b.id))
      .map((b) => b.type);
    expect(forFirst).toEqual(['client.created', 'client.blocked']);
    for (const b of mine()) expect(new Webhook(secret).verify(b.body, b.headers)).toMatchObject({ id: b.id });
    expect((await api().request('DELETE', `/internal/WebhookEndpoints/${id}`)).status).toBe(200);
  }, 150_000);
});
