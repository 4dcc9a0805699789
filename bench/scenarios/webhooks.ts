import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchEnvironment } from '../environment';
import { measure, percentile, type Summary, summarize } from '../measure';
import type { Row } from '../report';

export interface WebhookBenchOptions {
  durationMs: number;
  concurrencies: number[];
  /** Events queued at once for the delivery scenario. */
  events: number;
}

async function request(env: BenchEnvironment, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${env.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.systemToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { value: any };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.value;
}

const pick = (ids: string[]) => ids[Math.floor(Math.random() * ids.length)] as string;
function payAtOnce(env: BenchEnvironment, accounts: string[]) {
  const debitAccountId = pick(accounts);
  let creditAccountId = pick(accounts);
  while (creditAccountId === debitAccountId) creditAccountId = pick(accounts);
  return request(env, 'POST', '/internal/Payments', { debitAccountId, creditAccountId, amount: '0.01', currency: 'EUR' });
}

/** A receiver that answers 204 at once and notes when each webhook-id first arrived. */
async function startReceiver() {
  const arrivals = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench`,
    arrivals,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Scenario 7: what a registered webhook endpoint costs the payment-at-once path (its event is
 * written in the payment's transaction either way; with an endpoint the worker also claims and
 * delivers it meanwhile), against the same path with the endpoint disabled, in alternating slices.
 * Scenario 8: delivery throughput to one endpoint: `events` payments' events queued at once (a
 * redelivery `since` the first), timed until the receiver has each, against the rate the same
 * payments were written at.
 */
export async function webhookScenarios(
  env: BenchEnvironment,
  accounts: string[],
  options: WebhookBenchOptions,
  log: (line: string) => void,
): Promise<Row[]> {
  const on = `[${env.server}]`;
  const rows: Row[] = [];
  const receiver = await startReceiver();
  try {
    const endpoint = await request(env, 'POST', '/internal/WebhookEndpoints', { url: receiver.url, eventTypes: ['payment.*'] });
    const setEnabled = (enabled: boolean) =>
      request(env, 'PATCH', `/internal/WebhookEndpoints/${endpoint.id}`, { status: enabled ? 'enabled' : 'disabled' });
    for (const concurrency of options.concurrencies) {
      const slices = 4;
      const slice = { concurrency, durationMs: (2 * options.durationMs) / slices };
      const parts: [Awaited<ReturnType<typeof measure>>[], Awaited<ReturnType<typeof measure>>[]] = [[], []];
      for (let i = 0; i < slices; i++) {
        await setEnabled(false);
        parts[0].push(await measure(slice, () => payAtOnce(env, accounts)));
        await setEnabled(true);
        parts[1].push(await measure(slice, () => payAtOnce(env, accounts)));
      }
      const [without, withEndpoint] = parts.map((p) =>
        summarize({
          operations: p.reduce((s, m) => s + m.operations, 0),
          itemsPerOperation: 1,
          elapsedMs: p.reduce((s, m) => s + m.elapsedMs, 0),
          latenciesMs: p.flatMap((m) => m.latenciesMs),
          errors: p.reduce((s, m) => s + m.errors, 0),
          firstError: p.find((m) => m.firstError)?.firstError,
        }),
      ) as [Summary, Summary];
      rows.push({ scenario: '7 event write overhead', variant: `${on} baseline: payment at once, no endpoint`, concurrency, ...without });
      rows.push({
        scenario: '7 event write overhead',
        variant: `${on} payment at once, one endpoint taking it`,
        concurrency,
        ...withEndpoint,
        baseline: { name: 'no endpoint', throughput: without.throughput },
        ratio: withEndpoint.throughput / without.throughput,
        note: `p50 ${(withEndpoint.p50 / without.p50).toFixed(2)}x`,
      });
      log(
        `${on} scenario 7 at ${concurrency}: ${withEndpoint.throughput.toFixed(1)}/s with an endpoint, ${without.throughput.toFixed(1)}/s without (${(withEndpoint.throughput / without.throughput).toFixed(2)}x)`,
      );
    }
    await request(env, 'DELETE', `/internal/WebhookEndpoints/${endpoint.id}`);

    // Scenario 8: write the events with no endpoint taking them, then queue them all at once.
    await new Promise((r) => setTimeout(r, 1_000));
    const since = new Date().toISOString();
    const writing = summarize(
      await measure({ concurrency: 8, durationMs: 60_000, maxOperations: options.events }, () => payAtOnce(env, accounts)),
    );
    receiver.arrivals.clear();
    const target = await request(env, 'POST', '/internal/WebhookEndpoints', { url: receiver.url, eventTypes: ['payment.*'] });
    const t0 = performance.now();
    const { queued } = await request(env, 'POST', `/internal/WebhookEndpoints/${target.id}/redeliver`, { since });
    const deadline = Date.now() + 300_000;
    while (receiver.arrivals.size < queued && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const waits = [...receiver.arrivals.values()].map((at) => at - t0).sort((a, b) => a - b);
    const elapsedMs = (waits.at(-1) ?? 0) || 1;
    const delivery: Summary = {
      throughput: receiver.arrivals.size / (elapsedMs / 1000),
      p50: percentile(waits, 50),
      p95: percentile(waits, 95),
      p99: percentile(waits, 99),
      operations: receiver.arrivals.size,
      errors: queued - receiver.arrivals.size,
      ...(queued > receiver.arrivals.size ? { firstError: `${queued - receiver.arrivals.size} of ${queued} not delivered in 300 s` } : {}),
    };
    rows.push({ scenario: '8 webhook delivery', variant: `${on} baseline: payments at once written`, concurrency: 8, ...writing });
    rows.push({
      scenario: '8 webhook delivery',
      variant: `${on} ${queued} events queued at once, one endpoint (latency: queued to received)`,
      concurrency: 1,
      ...delivery,
      baseline: { name: 'events written', throughput: writing.throughput },
      ratio: delivery.throughput / writing.throughput,
    });
    log(
      `${on} scenario 8: ${queued} events delivered at ${delivery.throughput.toFixed(1)}/s (written at ${writing.throughput.toFixed(1)}/s), last after ${(elapsedMs / 1000).toFixed(1)} s`,
    );
    await request(env, 'DELETE', `/internal/WebhookEndpoints/${target.id}`);
  } finally {
    await receiver.stop();
  }
  return rows;
}
