import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json';
import { token } from '../support/api';
import { testEnv } from '../support/env';
import { useTestApi } from '../support/suite';
import { observedApp } from './observedApp';

/**
 * Liveness and readiness, request ids, and the business metrics on /metrics (a transfer forced
 * into Stuck shows in corebank_transfers_stuck).
 */
const api = useTestApi();

/** The value of a sample line (`name{labels} value`) of the Prometheus text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function stuckInPostgres(): Promise<number> {
  const [row] = await api().sql<{ count: bigint }[]>`SELECT count(*) AS count FROM transfers WHERE status = 'Stuck'`;
  return Number(row?.count ?? 0);
}

describe('health', () => {
  it('answers /health/live and /health/ready without a token, and keeps /health as it was', async () => {
    const live = await api().get('/health/live', { token: null });
    expect(live.status).toBe(200);
    expect(live.body.value).toEqual({ status: 'live' });
    const ready = await api().get('/health/ready', { token: null });
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    expect(ready.body.value).toEqual({ status: 'ready', checks: { postgres: 'ok' }, observed: { temporal: 'ok' } });
    expect((await api().get('/health', { token: null })).body.value).toEqual({ status: 'ok', version: packageJson.version });
  });

  it('stays ready while Temporal does not answer: Temporal is reported in its own field and metric', async () => {
    // A Temporal that never answers (a real client would keep retrying in the background).
    const silent = {
      withDeadline: <R>(_: number, fn: () => Promise<R>) => fn(),
      workflowService: { getSystemInfo: () => new Promise(() => {}) },
    };
    const down = await observedApp(api().sql, silent as unknown as Client, 'unused', { readinessTimeoutMs: 300 });
    const ready = await down.request('GET', '/health/ready', undefined, { authorization: '' });
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    expect(ready.body.value).toEqual({ status: 'ready', checks: { postgres: 'ok' }, observed: { temporal: 'no answer within 300 ms' } });
    const metrics = await down.request('GET', '/metrics');
    expect(metrics.text).toMatch(/^corebank_temporal_up 0$/m);
    expect((await down.request('GET', '/health/live', undefined, { authorization: '' })).status).toBe(200);
    expect(down.errors).toEqual([]);
  });

  it('is not ready (503) while draining before a stop, and still serves', async () => {
    const draining = await observedApp(api().sql, api().temporal, 'unused', { isDraining: () => true });
    const ready = await draining.request('GET', '/health/ready', undefined, { authorization: '' });
    expect(ready.status).toBe(503);
    expect(ready.body.errors[0].metadata).toEqual({ code: 'SERVICE_UNAVAILABLE', draining: 'true' });
    const live = await draining.request('GET', '/health/live', undefined, { authorization: '' });
    expect(live.status).toBe(200);
    // Each answer closes its connection, so no client reuses a socket that is about to close.
    expect(live.headers.get('connection')).toBe('close');
  });

  it('documents both in the OpenAPI document as public', async () => {
    const doc = (await api().get('/openapi.json', { token: null })).body as any;
    for (const path of ['/health/live', '/health/ready']) {
      expect(doc.paths[path].get.security, path).toEqual([]);
      expect(doc.paths[path].get['x-roles'], path).toEqual(['client', 'system', 'ops']);
    }
    expect(Object.keys(doc.paths['/health/ready'].get.responses).sort()).toEqual(['200', '503']);
  });
});

describe('request ids', () => {
  it('returns a sane X-Request-Id as sent, and a new one for a missing or odd one, on errors too', async () => {
    const kept = await api().get('/health/live', { token: null, headers: { 'X-Request-Id': 'abc-123_x.y:z' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123_x.y:z');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect((await api().get('/health/live', { token: null })).headers.get('x-request-id')).toMatch(uuid);
    for (const odd of ['has spaces in it', 'x'.repeat(129), '<script>', '-leading-dash']) {
      const res = await api().get('/health/live', { token: null, headers: { 'X-Request-Id': odd } });
      expect(res.headers.get('x-request-id'), odd).toMatch(uuid);
    }
    const failed = await api().get('/internal/Payments/not-a-uuid', { headers: { 'X-Request-Id': 'req-404' } });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(failed.headers.get('x-request-id')).toBe('req-404');
    const unauthenticated = await api().get('/internal/Payments', { token: null, headers: { 'X-Request-Id': 'req-401' } });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('x-request-id')).toBe('req-401');
  });
});

describe('/metrics', () => {
  it('shows a transfer forced into Stuck in corebank_transfers_stuck, read from Postgres at scrape time', async () => {
    const edge = await observedApp(api().sql, api().temporal, testEnv().taskQueue);
    const ops = { authorization: `Bearer ${await token('ops', 'test-ops')}` };
    const scrape = async () => {
      const res = await edge.request('GET', '/metrics', undefined, ops);
      expect(res.status).toBe(200);
      return res.text;
    };
    const account = await edge.fundedAccount('EUR', '30.00');
    const before = await scrape();
    expect(sample(before, 'corebank_business_metrics_up')).toBe(1);
    // At least the payment that funded the account.
    expect(sample(before, 'corebank_payments{status="Posted"}')).toBeGreaterThan(0);

    // The sandbox provider never answers a TIMEOUT transfer: after its retry budget it is Stuck.
    const as = { authorization: `Bearer ${await token('client', account.clientId)}` };
    const created = await edge.request(
      'POST',
      '/Transfers/outgoing',
      {
        accountId: account.id,
        amount: '10.00',
        currency: 'EUR',
        reference: 'TIMEOUT metrics',
        recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      },
      as,
    );
    expect(created.status, created.text).toBe(201);
    const id = created.body.value.id as string;
    const notifications = await edge.request('GET', `/internal/Notifications?clientId=${account.clientId}&limit=1`);
    const code = /code is (\d{6})/.exec(notifications.body.value.items[0]?.body ?? '')?.[1];
    const confirmed = await edge.request('PUT', `/Transfers/outgoing/${id}/confirm`, { code }, as);
    expect(confirmed.status, confirmed.text).toBe(200);
    const deadline = Date.now() + 45_000;
    while ((await edge.request('GET', `/internal/Transfers/outgoing/${id}`)).body.value.status !== 'Stuck') {
      if (Date.now() > deadline) throw new Error('the transfer did not become Stuck');
      await new Promise((r) => setTimeout(r, 200));
    }

    // Our transfer stays Stuck until we execute it, so the oldest Stuck one is at least as old as
    // ours was before the scrape; and none is older than the oldest transfer after it.
    const [ownAge] = await api().sql<{ seconds: number }[]>`
      SELECT extract(epoch FROM now() - updated_at)::float8 AS seconds FROM transfers WHERE id = ${id}`;
    // Other suites may make or settle Stuck transfers meanwhile: the gauge must equal Postgres.
    let text = '';
    let expected = -1;
    for (let i = 0; i < 5 && sample(text, 'corebank_transfers_stuck') !== expected; i++) {
      text = await scrape();
      expected = await stuckInPostgres();
    }
    const lines = text
      .split('\n')
      .filter((l) => /^corebank_transfers_stuck|^corebank_transfers\{direction="outgoing",status="Stuck"\}/.test(l));
    console.log(`/metrics with transfer ${id} Stuck:\n${lines.join('\n')}`);
    expect(expected).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'corebank_transfers_stuck')).toBe(expected);
    expect(sample(text, 'corebank_transfers{direction="outgoing",status="Stuck"}')).toBe(expected);
    const [oldestTransfer] = await api().sql<{ seconds: number }[]>`
      SELECT extract(epoch FROM now() - min(created_at))::float8 AS seconds FROM transfers`;
    const oldestStuck = sample(text, 'corebank_transfers_stuck_oldest_seconds');
    expect(ownAge?.seconds).toBeGreaterThan(0);
    expect(oldestStuck).toBeGreaterThanOrEqual(ownAge?.seconds ?? Number.POSITIVE_INFINITY);
    expect(oldestStuck).toBeLessThanOrEqual(oldestTransfer?.seconds ?? 0);
    expect(text).toMatch(/^# TYPE corebank_transfers_stuck gauge$/m);
    expect(text).toMatch(/^corebank_daily_check_failures\{kind="daily"\} \d+$/m);

    // Settled by hand, it leaves the gauge.
    const executed = await edge.request(
      'POST',
      `/internal/Transfers/outgoing/${id}/execute`,
      { providerReference: 'MANUAL-METRICS', note: 'metrics test' },
      ops,
    );
    expect(executed.status, executed.text).toBe(200);
    expect(sample(await scrape(), 'corebank_transfers_stuck')).toBe(await stuckInPostgres());
    expect(edge.errors).toEqual([]);
  }, 90_000);
});
