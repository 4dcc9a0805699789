import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client, Connection } from '@temporalio/client';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { Runtime, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalNotifier } from '../../activities/notifier';
import { createSandboxProvider } from '../../activities/provider';
import { LOCAL_OTP_SECRET } from '../../config/env';
import { createSql, type Sql } from '../../ledger/db';
import { instrumentPostgres } from '../../observability/postgres';
import { REQUEST_ID_ATTRIBUTE, temporalClientInterceptors } from '../../observability/temporal';
import { setupTracing, type Tracing } from '../../observability/tracing';
import { createWorker, NativeConnection } from '../../worker/createWorker';
import { testEnv } from '../support/env';
import { observedApp } from './observedApp';

/**
 * One payment traced end to end, in this process: the API (Hono's OTel middleware, the Temporal
 * client interceptors), a worker with the workflow and activity interceptors (bundled here with
 * workflows/interceptors.ts), and postgres.js statements, all into an in-memory span exporter.
 * The same run shows the request id of the HTTP call in the workflow's memo and on the log lines
 * of the workflow and its activities.
 */
const exporter = new InMemorySpanExporter();
const logs: { level: LogLevel; message: string; meta: LogMetadata }[] = [];
let tracing: Tracing;
let sql: Sql;
let worker: Worker | undefined;
let running: Promise<void> | undefined;
let nativeConnection: NativeConnection | undefined;
let connection: Connection | undefined;
let api: Awaited<ReturnType<typeof observedApp>>;
const taskQueue = `tracing-${randomUUID()}`;

beforeAll(async () => {
  tracing = setupTracing({ serviceName: 'corebank-test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const record = (level: LogLevel) => (message: string, meta?: LogMetadata) => logs.push({ level, message, meta: meta ?? {} });
  Runtime.install({
    logger: {
      log: (level, message, meta) => record(level)(message, meta),
      trace: record('TRACE'),
      debug: record('DEBUG'),
      info: record('INFO'),
      warn: record('WARN'),
      error: record('ERROR'),
    },
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  const env = testEnv();
  sql = instrumentPostgres(createSql(env.databaseUrl, { max: 10 }));
  nativeConnection = await NativeConnection.connect({ address: env.temporalAddress });
  // No workflowBundlePath: the worker bundles the workflows with their interceptors.
  worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    sql,
    provider: createSandboxProvider(sql, { decisionDelayMs: 200 }),
    notifier: createLocalNotifier(sql),
    otp: { secret: LOCAL_OTP_SECRET, ttlMs: 60_000, maxAttempts: 5, maxResends: 3, resendIntervalMs: 1_000 },
    transferLimits: {},
    tracing,
  });
  running = worker.run();
  connection = await Connection.connect({ address: env.temporalAddress });
  api = await observedApp(sql, new Client({ connection, interceptors: temporalClientInterceptors() }), taskQueue);
}, 300_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await nativeConnection?.close();
  await connection?.close();
  await sql?.end();
  await tracing?.shutdown();
  expect(api?.errors ?? []).toEqual([]);
});

/** The spans of one trace as an indented tree, children in start order. */
function tree(spans: ReadableSpan[]): string[] {
  const children = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const start = (s: ReadableSpan) => s.startTime[0] * 1e9 + s.startTime[1];
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => start(a) - start(b))) {
      lines.push(`${'  '.repeat(depth)}${span.name}`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

describe('one payment, traced from the HTTP request to SQL', () => {
  it('shares one trace id from POST /internal/Payments through the workflow and its activities to the SQL statements', async () => {
    const account = await api.fundedAccount('EUR', '1.00');
    const requestId = `trace-test-${randomUUID()}`;
    exporter.reset();
    const payment = await api.request(
      'POST',
      '/internal/Payments',
      { debitAccountId: account.settlementId, creditAccountId: account.id, amount: '12.34', currency: 'EUR' },
      { 'X-Request-Id': requestId, 'Idempotency-Key': `trace-${requestId}` },
    );
    expect(payment.status, JSON.stringify(payment.body)).toBe(201);
    expect(payment.headers.get('x-request-id')).toBe(requestId);
    const paymentId = payment.body.value.id as string;

    const http = exporter.getFinishedSpans().find((s) => s.name === 'POST /internal/Payments');
    expect(http, 'the HTTP span').toBeDefined();
    expect(http?.attributes[REQUEST_ID_ATTRIBUTE]).toBe(requestId);
    const traceId = http?.spanContext().traceId as string;

    // The workflow's spans come through the worker's sink when its activations complete.
    const deadline = Date.now() + 30_000;
    let spans: ReadableSpan[] = [];
    for (;;) {
      spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      if (spans.some((s) => s.name === 'RunWorkflow:paymentWorkflow') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const lines = tree(spans);
    console.log(`trace ${traceId} of POST /internal/Payments (${spans.length} spans):\n${lines.join('\n')}`);

    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const ancestors = (span: ReadableSpan): string[] => {
      const names: string[] = [];
      for (let p = span.parentSpanId; p && byId.has(p); p = byId.get(p)?.parentSpanId) names.push(byId.get(p)?.name as string);
      return names;
    };
    const one = (predicate: (s: ReadableSpan) => boolean, what: string) => {
      const found = spans.find(predicate);
      expect(found, `${what} in trace ${traceId}:\n${lines.join('\n')}`).toBeDefined();
      return found as ReadableSpan;
    };

    // Update-with-start: the client span is named after the update (`created`).
    const start = one((s) => s.name.startsWith('UpdateWithStartWorkflow:'), 'the client span');
    expect(ancestors(start)).toEqual(['POST /internal/Payments']);
    const run = one((s) => s.name === 'RunWorkflow:paymentWorkflow', 'the workflow run');
    expect(ancestors(run)).toEqual([start.name, 'POST /internal/Payments']);
    const activity = one((s) => s.name.startsWith('RunActivity:') && ancestors(s).includes('RunWorkflow:paymentWorkflow'), 'an activity');
    expect(ancestors(activity)[0]).toMatch(/^StartActivity:/);
    expect(activity.attributes[REQUEST_ID_ATTRIBUTE]).toBe(requestId);
    const statement = one(
      (s) => s.parentSpanId === activity.spanContext().spanId && s.attributes['db.system.name'] === 'postgresql',
      'SQL',
    );
    expect(statement.attributes['db.query.text']).toEqual(expect.any(String));
    // The API's own statements (idempotency, rate limit) are children of the HTTP span.
    one((s) => s.attributes['db.system.name'] === 'postgresql' && ancestors(s)[0] === 'POST /internal/Payments', 'the API SQL');

    // The request id reached the workflow: its memo, and its and its activities' log lines.
    const temporal = new Client({ connection: connection as Connection });
    const described = await temporal.workflow.getHandle(`payment-${paymentId}`).describe();
    expect(await described.memo).toMatchObject({ requestId });
    const workflowLines = logs.filter((l) => l.meta.workflowId === `payment-${paymentId}` && l.meta.requestId === requestId);
    expect(workflowLines.map((l) => l.message)).toEqual(
      expect.arrayContaining(['Workflow started', 'Activity completed', 'Workflow completed']),
    );
    // The activity's lines carry the trace id too.
    const activityLine = logs.find((l) => l.meta.workflowId === `payment-${paymentId}` && l.message === 'Activity completed');
    expect(activityLine?.meta).toMatchObject({ requestId, trace_id: traceId, span_id: activity.spanContext().spanId });
  }, 120_000);

  // A caller whose trace is not sampled (a process that exports nothing samples nothing): the
  // workflow skips its OpenTelemetry interceptors (the largest share of a payment's worker CPU;
  // `npm run bench` shows it) and passes the caller's trace header on, so the activity's lines still
  // carry the caller's trace id, and the request id reaches the workflow as before.
  it('records no span for a caller whose trace is not sampled, and keeps its trace id and request id on the log lines', async () => {
    const account = await api.fundedAccount('EUR', '1.00');
    const requestId = `unsampled-${randomUUID()}`;
    const traceId = randomUUID().replaceAll('-', '');
    exporter.reset();
    const payment = await api.request(
      'POST',
      '/internal/Payments',
      { debitAccountId: account.settlementId, creditAccountId: account.id, amount: '1.00', currency: 'EUR' },
      { 'X-Request-Id': requestId, 'Idempotency-Key': `unsampled-${requestId}`, traceparent: `00-${traceId}-${'1'.repeat(16)}-00` },
    );
    expect(payment.status, JSON.stringify(payment.body)).toBe(201);
    const workflowId = `payment-${payment.body.value.id as string}`;
    const deadline = Date.now() + 30_000;
    while (!logs.some((l) => l.meta.workflowId === workflowId && l.message === 'Workflow completed') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const lines = logs.filter((l) => l.meta.workflowId === workflowId && l.meta.requestId === requestId);
    expect(lines.map((l) => l.message)).toEqual(expect.arrayContaining(['Workflow started', 'Activity completed', 'Workflow completed']));
    const activityLine = lines.find((l) => l.message === 'Activity completed');
    expect(activityLine?.meta).toMatchObject({ trace_id: traceId });
    await tracing.spanProcessor.forceFlush();
    expect(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)).toEqual([]);
  }, 120_000);
});
