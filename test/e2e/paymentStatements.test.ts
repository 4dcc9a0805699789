import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import type { Sql } from '../../ledger/db';
import { testAppDeps } from '../support/api';
import { openAccount } from '../support/bankFixtures';
import { testEnv } from '../support/env';
import { useTestApi } from '../support/suite';

/**
 * The statements each request may send, a budget: a statement more on these paths must be a
 * decision, made here. Per payment at once with a key: the write counted and the key claimed (one
 * statement), the payment read with its entries, the answer stored. A draft checks its accounts
 * first; pend and post read once, after their update.
 */
const BUDGET = { immediate: 3, draft: 3, pend: 2, post: 2 };

/**
 * What one payment request costs the API in Postgres: the statements it sends (each one a round
 * trip; a transaction's BEGIN and COMMIT are statements of their own). A second app on the same
 * database and worker, whose pool reports every statement (postgres.js `debug`), answers the
 * requests; the payment's own ledger writes are the worker's and are not counted here.
 */
const api = useTestApi();
let statements: string[] = [];
let counted: { app: ReturnType<typeof createApp>; sql: Sql; errors: unknown[] } | undefined;

beforeAll(async () => {
  const sql = postgres(testEnv().databaseUrl, {
    max: 4,
    types: { bigint: postgres.BigInt },
    transform: postgres.camel,
    onnotice: () => {},
    // postgres.js reads the array types once per pool: not the request's.
    debug: (_connection, query) => {
      if (!query.includes('pg_catalog')) statements.push(query);
    },
  }) as unknown as Sql;
  const errors: unknown[] = [];
  const app = createApp(testAppDeps({ sql, temporal: api().temporal, taskQueue: testEnv().taskQueue, errors }));
  counted = { app, sql, errors };
});

afterAll(async () => {
  expect(counted?.errors).toEqual([]);
  await counted?.sql.end();
});

/** Sends one request through the counting app; returns its answer and the statements it sent. */
async function measured(path: string, body?: unknown, headers: Record<string, string> = {}) {
  if (!counted) throw new Error('the counting app is made in beforeAll');
  statements = [];
  const res = await counted.app.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${api().tokens.system}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const sent = statements;
  statements = [];
  return { status: res.status, body: (await res.json()) as { value: { id: string; status: string } }, statements: sent };
}

const report = (what: string, sent: string[]) =>
  console.info(`${what}: ${sent.length} statements\n  ${sent.map((s) => s.replace(/\s+/g, ' ').trim().slice(0, 110)).join('\n  ')}`);

describe('statements the API sends per payment request', () => {
  it('a payment at once, with an Idempotency-Key', async () => {
    const a = await openAccount(api(), 'EUR', '100.00');
    const b = await openAccount(api(), 'EUR');
    const body = { debitAccountId: a.id, creditAccountId: b.id, amount: '1.00', currency: 'EUR' };
    const res = await measured('/internal/Payments', body, { 'idempotency-key': randomUUID() });
    report('payment at once', res.statements);
    expect(res.status).toBe(201);
    expect(res.statements).toHaveLength(BUDGET.immediate);
    expect(res.body.value.status).toBe('Posted');
  });

  it('draft, pend and post', async () => {
    const a = await openAccount(api(), 'EUR', '100.00');
    const b = await openAccount(api(), 'EUR');
    const draft = await measured('/internal/Payments/draft', {
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '1.00',
      currency: 'EUR',
    });
    report('draft', draft.statements);
    expect(draft.status).toBe(201);
    expect(draft.statements).toHaveLength(BUDGET.draft);
    const id = draft.body.value.id;
    const pend = await measured(`/internal/Payments/${id}/pend`);
    report('pend', pend.statements);
    expect(pend.body.value.status).toBe('Pending');
    expect(pend.statements).toHaveLength(BUDGET.pend);
    const post = await measured(`/internal/Payments/${id}/post`);
    report('post', post.statements);
    expect(post.body.value.status).toBe('Posted');
    expect(post.statements).toHaveLength(BUDGET.post);
  });
});

/**
 * The API's CPU per request, measured on demand (MEASURE_API_CPU=<items>): this process runs the
 * app (the worker, Temporal and Postgres are other processes), so its CPU over sequential requests
 * is the API's share without the HTTP server. Not a check: the figures go to docs/performance.md.
 */
const measureItems = Number(process.env.MEASURE_API_CPU ?? 0);
describe.runIf(measureItems > 0)('the API CPU per payment request', () => {
  const cpuMsPerItem = async (items: number, run: () => Promise<void>) => {
    const start = process.cpuUsage();
    for (let i = 0; i < items; i++) await run();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / items;
  };

  it(`a payment at once and a draft -> pend -> post, ${measureItems} each`, async () => {
    const a = await openAccount(api(), 'EUR', '100000.00');
    const b = await openAccount(api(), 'EUR');
    const body = { debitAccountId: a.id, creditAccountId: b.id, amount: '1.00', currency: 'EUR' };
    const once = async () => {
      expect((await measured('/internal/Payments', body)).status).toBe(201);
    };
    const twoPhase = async () => {
      const draft = await measured('/internal/Payments/draft', body);
      expect((await measured(`/internal/Payments/${draft.body.value.id}/pend`)).status).toBe(200);
      expect((await measured(`/internal/Payments/${draft.body.value.id}/post`)).status).toBe(200);
    };
    await cpuMsPerItem(10, once); // warm-up: the first requests compile and prepare
    await cpuMsPerItem(5, twoPhase);
    const onceMs = await cpuMsPerItem(measureItems, once);
    const twoPhaseMs = await cpuMsPerItem(measureItems, twoPhase);
    console.info(`API CPU per item: payment at once ${onceMs.toFixed(2)} ms, draft -> pend -> post ${twoPhaseMs.toFixed(2)} ms`);
  }, 900_000);
});
