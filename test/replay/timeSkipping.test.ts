import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { createLocalNotifier } from '../../activities/notifier';
import { createSandboxProvider } from '../../activities/provider';
import { loadConfig } from '../../config/env';
import { createSql, type Sql } from '../../ledger/db';
import { createRecorderApi, type RecorderApi } from './recorderApi';
import { findOrInstallTestServer, timeSkippingEnvironment } from './testServer';

/**
 * The timer paths with their real production durations, on Temporal's time-skipping test server:
 * a payment hold that expires after the default 7 days, and a transfer cancelled after the default
 * 30-minute confirmation window. The server jumps its clock whenever the workflow only waits on a
 * timer, so each test takes seconds. The real worker code (activities on the run's PostgreSQL,
 * the workflow bundle of globalSetup) runs in-process; the API drives it as in production.
 */
const lookup = findOrInstallTestServer((line) => console.log(`[time-skipping] ${line}`));
const DAY_MS = 24 * 3600 * 1000;

describe('timers at production length on the time-skipping test server', () => {
  let env: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let sql: Sql | undefined;
  let api: RecorderApi | undefined;
  const taskQueue = 'time-skipping';

  beforeAll(async () => {
    if ('skip' in lookup) return;
    env = await timeSkippingEnvironment(lookup.path);
    sql = createSql(inject('databaseUrl'), { max: 10 });
    const config = loadConfig({ ...process.env, DATABASE_URL: inject('databaseUrl') });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities({
        sql,
        provider: createSandboxProvider(sql, { decisionDelayMs: 200 }),
        notifier: createLocalNotifier(sql),
        otp: config.otp,
        transferLimits: config.transferLimits,
      }),
    });
    running = worker.run();
    // Production windows: no confirmationWindowMs override, the configuration's 30 minutes.
    api = await createRecorderApi({ sql, temporal: env.client, taskQueue, confirmationWindowMs: config.transfers.confirmationWindowMs });
  }, 180_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await sql?.end();
  });

  const ready = (skip: (note: string) => never) => {
    if ('skip' in lookup) skip(lookup.skip);
    if (!env || !api) throw new Error('the environment is created in beforeAll');
    return { env, api };
  };

  it('cancels a pending payment by itself when its default 7-day hold expires', async ({ skip }) => {
    const { env, api } = ready(skip);
    const a = await api.customer('30.00');
    const b = await api.customer(null);
    const drafted = await api.post(
      '/internal/Payments/draft',
      { debitAccountId: a.id, creditAccountId: b.id, amount: '30', currency: 'EUR' },
      { expect: 201 },
    );
    const id = drafted.body.value.id;
    const pended = await api.post(`/internal/Payments/${id}/pend`, {}, { expect: 200 });
    expect(Date.parse(pended.body.value.holdExpiresAt) - Date.now()).toBeGreaterThan(6 * DAY_MS);

    const before = await env.currentTimeMs();
    const started = Date.now();
    // Waiting on the result lets the server skip time: the 7-day timer fires at once.
    const outcome = await env.client.workflow.getHandle(`payment-${id}`).result();
    expect(outcome).toEqual({ status: 'Cancelled' });
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(7 * DAY_MS - 60_000);
    expect(Date.now() - started).toBeLessThan(30_000);

    const payment = (await api.get(`/internal/Payments/${id}`, { expect: 200 })).body.value;
    expect(payment).toMatchObject({ status: 'Cancelled', cancelReason: 'hold expired' });
    const account = (await api.get(`/v2/ledger/internal/Accounts/${a.id}`, { expect: 200 })).body.value;
    expect(account).toMatchObject({ balance: '30.00', held: '0.00', available: '30.00' });
  }, 120_000);

  it('cancels an unconfirmed transfer by itself after the default 30-minute confirmation window', async ({ skip }) => {
    const { env, api } = ready(skip);
    const c = await api.customer('20.00');
    const created = await api.post(
      '/Transfers/outgoing',
      {
        accountId: c.id,
        amount: '5.00',
        currency: 'EUR',
        recipient: { name: 'X', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      },
      { token: c.token, expect: 201 },
    );
    const id = created.body.value.id;
    expect(created.body.value.status).toBe('PendingConfirmation');

    const before = await env.currentTimeMs();
    const outcome = await env.client.workflow.getHandle(`transfer-${id}`).result();
    expect(outcome).toEqual({ status: 'Cancelled' });
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(30 * 60_000 - 1_000);

    const transfer = (await api.get(`/internal/Transfers/outgoing/${id}`, { expect: 200 })).body.value;
    expect(transfer).toMatchObject({ status: 'Cancelled', failureReason: 'not confirmed in time' });
    const account = (await api.get(`/v2/ledger/internal/Accounts/${c.id}`, { expect: 200 })).body.value;
    expect(account).toMatchObject({ balance: '20.00', held: '0.00', available: '20.00' });
  }, 120_000);
});
