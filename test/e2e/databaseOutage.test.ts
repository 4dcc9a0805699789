import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsSource, serveInternalMetrics } from '../../api/metrics';
import { DEFAULT_DATABASE_POLICY } from '../../config/env';
import { createSql } from '../../ledger/db';
import { ensureLoginRole, urlForRole } from '../../ledger/roles';
import { readBusinessFigures } from '../../store/businessMetrics';
import { serveWorkerMetrics } from '../../worker/metrics';
import { createTestApi, type TestApi } from '../support/api';
import { internalAccount, openAccount } from '../support/bankFixtures';
import { testEnv } from '../support/env';
import { useTestApi } from '../support/suite';
import { startTcpProxy, type TcpProxy, throughProxy } from '../support/tcpProxy';

/** The API's deadline in this suite: every request is answered within it. */
const DEADLINE_MS = 3_000;
const READINESS_TIMEOUT_MS = 500;
/** What a loaded machine (2 cores, several suites) may add to a deadline. */
const SLACK_MS = 1_500;

const api = useTestApi();
let proxy: TcpProxy;
let cutApi: TestApi;
let workerHealth: { url: string; close: () => Promise<void> };

/** status, code of the first error, Retry-After and how long the call took. */
async function timed(call: () => Promise<{ status: number; body: any; headers: Headers }>) {
  const started = Date.now();
  const res = await call();
  return {
    status: res.status,
    code: res.body?.errors?.[0]?.metadata?.code as string | undefined,
    reason: res.body?.errors?.[0]?.metadata?.reason as string | undefined,
    retryAfter: res.headers.get('retry-after'),
    ms: Date.now() - started,
  };
}

async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, withinMs = 20_000): Promise<T> {
  const until = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`${what}: not within ${withinMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const workerGet = (path: string) =>
  fetch(workerHealth.url.replace(/\/metrics$/, path), { signal: AbortSignal.timeout(DEADLINE_MS + SLACK_MS) }).then((r) => r.status);

beforeAll(async () => {
  // The runtime role through a proxy the test can cut: the API's pool and a worker's health.
  const runtimeUrl = new URL(testEnv().runtimeDatabaseUrl);
  proxy = await startTcpProxy({ host: runtimeUrl.hostname, port: Number(runtimeUrl.port) });
  cutApi = await createTestApi({
    databaseUrl: throughProxy(testEnv().runtimeDatabaseUrl, proxy),
    sqlOptions: { max: 4, session: DEFAULT_DATABASE_POLICY.session, maxLifetimeSeconds: 600 },
    appOptions: { readinessTimeoutMs: READINESS_TIMEOUT_MS, requestDeadlineMs: DEADLINE_MS },
  });
  workerHealth = await serveWorkerMetrics(0, '127.0.0.1', {
    health: {
      state: () => 'RUNNING',
      postgres: async () => {
        await cutApi.sql`SELECT 1`;
      },
      timeoutMs: READINESS_TIMEOUT_MS,
    },
  });
});

afterAll(async () => {
  proxy?.heal();
  await workerHealth?.close();
  if (cutApi) {
    expect(cutApi.errors).toEqual([]);
    // Without a timeout, ending this pool waited for good once (a connection of the cut kept
    // something pending); with one it ends at once: bounded so a suite never hangs on it.
    await cutApi.sql.end({ timeout: 5 });
    await cutApi.close();
  }
  await proxy?.close();
});

describe('a cut network to Postgres', () => {
  it('answers every call 503 within its deadline, stays live, is not ready, and recovers when the network heals', async () => {
    const account = await openAccount(api(), 'EUR', '10.00');
    const settlement = await internalAccount(api(), 'EUR', 'settlement');
    expect((await cutApi.get(`/v2/ledger/internal/Accounts/${account.id}`)).status).toBe(200);

    proxy.cut();
    const key = `outage-${randomUUID()}`;
    const payment = { debitAccountId: account.id, creditAccountId: settlement.id, amount: '1.00', currency: 'EUR' };
    const calls = {
      account: () => cutApi.get(`/v2/ledger/internal/Accounts/${account.id}`),
      ping: () => cutApi.get('/health', { token: null }),
      metrics: () => cutApi.get('/metrics'),
      payment: () => cutApi.post('/internal/Payments', payment, { headers: { 'Idempotency-Key': key } }),
    };
    const answers = await Promise.all(Object.entries(calls).map(async ([name, call]) => ({ name, answer: await timed(call) })));
    for (const { name, answer } of answers) {
      expect({ name, status: answer.status, code: answer.code, retryAfter: answer.retryAfter }).toEqual({
        name,
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        retryAfter: '2',
      });
      expect(answer.ms, name).toBeLessThan(DEADLINE_MS + SLACK_MS);
    }

    const live = await timed(() => cutApi.get('/health/live', { token: null }));
    expect(live.status).toBe(200);
    expect(live.ms).toBeLessThan(SLACK_MS);
    const ready = await timed(() => cutApi.get('/health/ready', { token: null }));
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeLessThan(READINESS_TIMEOUT_MS + SLACK_MS);
    expect(await workerGet('/health/live')).toBe(200);
    expect(await workerGet('/health/ready')).toBe(503);

    // The network comes back; the same processes serve again (nothing restarted).
    proxy.heal();
    await eventually(
      'ready again',
      () => cutApi.get('/health/ready', { token: null }).then((r) => r.status),
      (s) => s === 200,
    );
    await eventually(
      'worker ready again',
      () => workerGet('/health/ready'),
      (s) => s === 200,
    );
    const after = await eventually(
      'the account answers again',
      () => cutApi.get(`/v2/ledger/internal/Accounts/${account.id}`),
      (r) => r.status === 200,
    );
    expect(after.body.value.id).toBe(account.id);
    // The write answered 503 during the cut is retried with its key: one payment, posted.
    const retried = await eventually(
      'the payment retried with its key',
      () => cutApi.post('/internal/Payments', payment, { headers: { 'Idempotency-Key': key } }),
      (r) => r.status === 201,
    );
    expect(retried.body.value.status).toBe('Posted');
    const again = await cutApi.post('/internal/Payments', payment, { headers: { 'Idempotency-Key': key } });
    expect(again.body.value.id).toBe(retried.body.value.id);
  });

  it('recovers without a restart when every connection is dropped (a Postgres restart or failover)', async () => {
    const account = await openAccount(api(), 'EUR');
    expect((await cutApi.get(`/v2/ledger/internal/Accounts/${account.id}`)).status).toBe(200);
    proxy.reset();
    const first = await timed(() => cutApi.get(`/v2/ledger/internal/Accounts/${account.id}`));
    // The pool notices the closed sockets and opens new ones; a call caught in between is a 503, never a 500.
    expect([200, 503]).toContain(first.status);
    await eventually(
      'the account answers after the reset',
      () => cutApi.get(`/v2/ledger/internal/Accounts/${account.id}`).then((r) => r.status),
      (s) => s === 200,
      10_000,
    );
  });
});

describe('a database that cannot serve now is a 503 with Retry-After', () => {
  it('too many clients (53300): database_busy', async () => {
    const owner = createSql(testEnv().databaseUrl, { max: 1 });
    const role = 'corebank_no_connections';
    await ensureLoginRole(owner, role, 'no-connections');
    // A role allowed no connection at all: the server answers it "too many connections" (53300).
    await owner.unsafe(`ALTER ROLE ${role} CONNECTION LIMIT 0`);
    await owner.end();
    const full = await createTestApi({ databaseUrl: urlForRole(testEnv().databaseUrl, role, 'no-connections') });
    const internal = await serveInternalMetrics(
      metricsSource(() => readBusinessFigures(full.sql)),
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const res = await timed(() => full.get('/health'));
      expect(res).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', reason: 'database_busy', retryAfter: '2' });
      // The internal listener needs no token; without the database it says so and exports no
      // business numbers (a stale or zero "corebank_transfers_stuck" would look like a real one).
      const scrape = await fetch(internal.url);
      expect(scrape.status).toBe(200);
      const text = await scrape.text();
      expect(text).toMatch(/^corebank_business_metrics_up 0$/m);
      expect(text).not.toMatch(/^corebank_transfers_stuck /m);
      expect(text).not.toMatch(/^corebank_payments\{/m);
    } finally {
      await internal.close();
      await full.close();
    }
  });

  it('a lock not granted within lock_timeout (55P03): database_timeout', async () => {
    const account = await openAccount(api(), 'EUR');
    const impatient = await createTestApi({
      databaseUrl: testEnv().runtimeDatabaseUrl,
      sqlOptions: { max: 2, session: { ...DEFAULT_DATABASE_POLICY.session, lockTimeoutMs: 200 } },
    });
    const holder = createSql(testEnv().databaseUrl, { max: 1 });
    try {
      await holder.begin(async (tx) => {
        await tx`SELECT 1 FROM clients WHERE id = ${account.clientId} FOR UPDATE`;
        const res = await timed(() => impatient.put(`/internal/Clients/${account.clientId}/block`, { reason: 'lock test' }));
        expect(res).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', reason: 'database_timeout', retryAfter: '2' });
      });
    } finally {
      await holder.end();
      await impatient.close();
    }
  });
});
