import { createServer } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { makeTelemetryFilterString, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { registerWebhookBacklog } from '../activities/metrics';
import { createLocalNotifier } from '../activities/notifier';
import { createSandboxProvider } from '../activities/provider';
import { ConfigError, loadConfig } from '../config/env';
import { createLogger } from '../config/log';
import { temporalConnectionOptions } from '../config/temporalTls';
import { createSql } from '../ledger/db';
import { prepareRuntimeDatabase, runtimeSqlOptions, startupOptionsOf } from '../ledger/startup';
import { dataConverterFor } from '../observability/payloadCodec';
import { instrumentPostgres } from '../observability/postgres';
import { pinoTemporalLogger } from '../observability/temporal';
import { otlpTracesEndpoint, setupTracing } from '../observability/tracing';
import { oldestPendingAges } from '../store/webhooks';
import { bundleHasInterceptors, createWorker } from './createWorker';
import { serveWorkerMetrics } from './metrics';
import { ensureSchedules, scheduleTimes } from './schedules';
import { ensureSearchAttributes } from './searchAttributes';
import { ensureEndpointWorkflows } from './webhookWorkflows';

/** A port nobody listens on right now, on 127.0.0.1. */
async function freeLocalPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The worker process: runs workflows and activities until SIGINT/SIGTERM, then drains. */
async function main() {
  const config = loadConfig();
  const tracing = setupTracing({ serviceName: 'corebank-worker' });
  const log = createLogger('worker', config.logLevel, { format: config.observability.logFormat });
  const { workerMetricsPort, workerMetricsHost } = config.observability;
  // The SDK runtime's metrics (task slots, latencies, outcomes) come from its own Prometheus
  // exporter on a private port; GET /metrics on WORKER_METRICS_PORT serves them with ours.
  const sdkMetricsAddress = workerMetricsPort === undefined ? undefined : `127.0.0.1:${await freeLocalPort()}`;
  Runtime.install({
    // SDK, workflow and activity lines (with workflow id, request id and trace id) as our JSON lines.
    logger: pinoTemporalLogger(log),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) },
      ...(sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: sdkMetricsAddress, countersTotalSuffix: true } } } : {}),
    },
  });
  // Fail closed: only development adapters exist so far, and outside the local profile they run
  // only when switched on by name (a real provider and notifier plug in through the same interfaces).
  if (!config.sandboxProvider) {
    throw new ConfigError('no payment provider is configured; set ALLOW_SANDBOX_PROVIDER=true to run the sandbox provider');
  }
  if (!config.localNotifier) {
    throw new ConfigError('no notifier is configured; set ALLOW_LOCAL_NOTIFIER=true to keep messages (OTP codes) in Postgres');
  }
  const sql = instrumentPostgres(createSql(config.databaseUrl, runtimeSqlOptions(config.database)));
  registerWebhookBacklog(() => oldestPendingAges(sql));
  // Health and metrics from the start: live while starting, ready only once the worker polls.
  let worker: Worker | undefined;
  const http =
    workerMetricsPort === undefined
      ? undefined
      : await serveWorkerMetrics(workerMetricsPort, workerMetricsHost, {
          sdkMetricsUrl: `http://${sdkMetricsAddress}/metrics`,
          health: {
            state: () => worker?.getState(),
            postgres: async () => {
              await sql`SELECT 1`;
            },
            timeoutMs: config.observability.readinessTimeoutMs,
          },
        });
  if (http) log.info({ url: http.url, health: http.url.replace(/\/metrics$/, '/health/ready') }, 'worker metrics and health');
  await prepareRuntimeDatabase(sql, startupOptionsOf(config, { info: (line) => log.info(line), warn: (line) => log.warn(line) }));

  const client = await Connection.connect(temporalConnectionOptions(config));
  const added = await ensureSearchAttributes(client, config.temporalNamespace);
  if (added.length > 0) log.info({ added }, 'registered search attributes');
  const temporal = new Client({ connection: client, namespace: config.temporalNamespace, ...dataConverterFor(config.payloadKeys) });
  const schedules = await ensureSchedules(temporal, config.taskQueue, scheduleTimes());
  if (schedules.length > 0) log.info({ schedules }, 'created schedules');
  const endpoints = await ensureEndpointWorkflows(temporal, sql, config.taskQueue, {
    initialMs: config.webhooks.retryInitialMs,
    maxIntervalMs: config.webhooks.retryMaxIntervalMs,
  });
  if (endpoints > 0) log.info({ endpoints }, 'webhook endpoint workflows running');
  await client.close();

  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const workflowBundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    sql,
    provider: createSandboxProvider(sql, { decisionDelayMs: config.sandboxDecisionMs }),
    notifier: createLocalNotifier(sql, (line) => log.info(line)),
    otp: config.otp,
    transferLimits: config.transferLimits,
    eventRetentionDays: config.eventRetentionDays,
    retention: config.retention,
    webhooks: config.webhooks,
    workflowBundlePath,
    tracing,
    shutdownGraceMs: config.shutdown.workerGraceMs,
    payloadKeys: config.payloadKeys,
  });
  if (workflowBundlePath && !bundleHasInterceptors(workflowBundlePath)) {
    log.warn(
      { workflowBundlePath },
      'the workflow bundle was made without workflows/interceptors.ts (bundle with WORKFLOW_BUNDLE_OPTIONS): traces stop at the workflow start and workflow log lines lack the request id',
    );
  }
  log.info(
    {
      taskQueue: config.taskQueue,
      temporal: config.temporalAddress,
      traces: otlpTracesEndpoint() ?? 'not exported (OTEL_EXPORTER_OTLP_ENDPOINT unset)',
    },
    'worker running',
  );
  // SIGTERM (the SDK's own handler) stops polling at once, then waits up to the grace time for
  // running activities; readiness turns 503 with the state change.
  await worker.run();
  await http?.close();
  await connection.close();
  await sql.end({ timeout: 5 });
  await tracing.shutdown().catch(() => {});
  log.info('worker stopped');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
