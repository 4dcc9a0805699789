import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useOwnWorker, useTestApi } from '../support/suite';

// A worker whose retry window is 2 s instead of 3 days, on a queue of its own.
const worker = useOwnWorker({ WEBHOOK_RETRY_WINDOW_MS: '2000' });
const api = useTestApi({ taskQueue: worker.taskQueue });

let up = false;
/** What the receiver answered, by webhook-id (other suites' clients reach it too: the endpoint takes every client.created). */
const answers: { id: string; status: number }[] = [];
const answersTo = (id: string) => answers.filter((a) => a.id === id).map((a) => a.status);
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = up ? 200 : 500;
      answers.push({ id: String(req.headers['webhook-id']), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('a receiver that never answers 2xx', () => {
  it('gets retries until the window passes, then the delivery is failed, the endpoint disabled, and a redelivery sends it', async () => {
    const created = await api().post('/internal/WebhookEndpoints', { url, eventTypes: ['client.created'] });
    const id = created.body.value.id as string;
    const client = await api().post('/internal/Clients', {
      type: 'individual',
      firstName: 'Ada',
      lastName: 'L',
      email: `ada-${Date.now()}@example.com`,
      country: 'GB',
    });
    const failed = await expect
      .poll(async () => (await api().get(`/internal/WebhookEndpoints/${id}/deliveries?status=failed`)).body.value.items, {
        timeout: 60_000,
        interval: 300,
      })
      .toHaveLength(1)
      .then(async () => (await api().get(`/internal/WebhookEndpoints/${id}/deliveries?status=failed`)).body.value.items[0]);
    expect(failed).toMatchObject({
      eventType: 'client.created',
      status: 'failed',
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      nextAttemptAt: null,
    });
    expect(failed.attempts).toBeGreaterThanOrEqual(3);
    expect(answersTo(failed.eventId).length).toBe(failed.attempts);
    const endpoint = (await api().get(`/internal/WebhookEndpoints/${id}`)).body.value;
    expect(endpoint.status).toBe('disabled');
    expect(endpoint.disabledReason).toMatch(/every delivery failed/);

    // Back: enabled again and the failed event sent again, with its id.
    up = true;
    expect((await api().request('PATCH', `/internal/WebhookEndpoints/${id}`, { status: 'enabled' })).status).toBe(200);
    const event = (await api().get(`/internal/Events?aggregateId=${client.body.value.id}&types=client.created`)).body.value.items[0];
    expect((await api().post(`/internal/WebhookEndpoints/${id}/redeliver`, { eventIds: [event.id] })).status).toBe(202);
    await expect
      .poll(async () => (await api().get(`/internal/WebhookEndpoints/${id}/deliveries?eventId=${event.id}`)).body.value.items[0]?.status, {
        timeout: 30_000,
        interval: 300,
      })
      .toBe('delivered');
    expect(answersTo(event.id).at(-1)).toBe(200);
    await api().request('DELETE', `/internal/WebhookEndpoints/${id}`);
  }, 120_000);
});
