import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/ports';
import { useOwnWorker, useTestApi } from '../support/suite';

// A worker of its own that serves its metrics, with a retry window of 4 s instead of 3 days.
const metricsPort = await freePort();
const worker = useOwnWorker({ WEBHOOK_RETRY_WINDOW_MS: '4000', WORKER_METRICS_PORT: String(metricsPort) });
const api = useTestApi({ taskQueue: worker.taskQueue });

/** The value of one series of the worker's /metrics, e.g. ('corebank_webhook_failures_total', { endpoint }); undefined when absent. */
async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const has = Object.fromEntries([...(match[2] as string).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => has[k] === v) && Object.keys(has).length === Object.keys(labels).length) {
      return Number(match[3]);
    }
  }
  return undefined;
}

let up = false;
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(up ? 200 : 500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('corebank_webhook_* metrics, per endpoint', () => {
  it('count attempts and failures, and show the age of the oldest undelivered event while it waits', async () => {
    const client = await api().post('/internal/Clients', {
      type: 'individual',
      firstName: 'Met',
      lastName: 'Rics',
      email: `metrics-${Date.now()}@example.com`,
      country: 'GB',
    });
    const clientId = client.body.value.id as string;
    // Only this client's events: other suites' clients do not reach these endpoints.
    const failing = (await api().post('/internal/WebhookEndpoints', { url, clientId, eventTypes: ['client.*'] })).body.value.id as string;
    expect((await api().put(`/internal/Clients/${clientId}/block`, { reason: 'metrics' })).status).toBe(200);

    // The receiver answers 500: retries are counted and the undelivered event's age grows.
    await expect
      .poll(async () => (await metric('corebank_webhook_attempts_total', { endpoint: failing, outcome: 'retry' })) ?? 0, {
        timeout: 20_000,
        interval: 200,
      })
      .toBeGreaterThanOrEqual(2);
    const age = await metric('corebank_webhook_oldest_pending_seconds', { endpoint: failing });
    expect(age).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await metric('corebank_webhook_oldest_pending_seconds', { endpoint: failing })).toBeGreaterThan(age as number);

    // The 4 s window passes: one failure, the last attempt counted as failed, and the endpoint
    // (disabled: every delivery failed) no longer has an age.
    await expect.poll(() => metric('corebank_webhook_failures_total', { endpoint: failing }), { timeout: 20_000, interval: 200 }).toBe(1);
    expect(await metric('corebank_webhook_attempts_total', { endpoint: failing, outcome: 'failed' })).toBe(1);
    expect(await metric('corebank_webhook_attempts_total', { endpoint: failing, outcome: 'delivered' })).toBeUndefined();
    const retries = (await metric('corebank_webhook_attempts_total', { endpoint: failing, outcome: 'retry' })) as number;
    const recorded = (await api().get(`/internal/WebhookEndpoints/${failing}/deliveries?status=failed`)).body.value.items[0];
    // Every attempt the deliveries route shows was counted, and no other.
    expect(retries + 1).toBe(recorded.attempts);
    await expect.poll(() => metric('corebank_webhook_oldest_pending_seconds', { endpoint: failing }), { timeout: 10_000 }).toBeUndefined();

    // A second endpoint, with the receiver up: delivered at the first attempt, counted on its own series.
    up = true;
    const working = (await api().post('/internal/WebhookEndpoints', { url, clientId, eventTypes: ['client.*'] })).body.value.id as string;
    expect((await api().put(`/internal/Clients/${clientId}/unblock`)).status).toBe(200);
    await expect
      .poll(() => metric('corebank_webhook_attempts_total', { endpoint: working, outcome: 'delivered' }), {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(1);
    expect(await metric('corebank_webhook_attempts_total', { endpoint: working, outcome: 'retry' })).toBeUndefined();
    expect(await metric('corebank_webhook_failures_total', { endpoint: working })).toBeUndefined();
    expect(await metric('corebank_webhook_oldest_pending_seconds', { endpoint: working })).toBeUndefined();
    // The failing endpoint's counters stay as they were.
    expect(await metric('corebank_webhook_failures_total', { endpoint: failing })).toBe(1);

    for (const id of [failing, working]) await api().request('DELETE', `/internal/WebhookEndpoints/${id}`);
  }, 90_000);
});
