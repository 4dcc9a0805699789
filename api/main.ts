import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { createLocalNotifier } from '../activities/notifier';
import { DRAIN_MARGIN_MS, loadConfig } from '../config/env';
import { createLogger } from '../config/log';
import { temporalConnectionOptions } from '../config/temporalTls';
import { createSql } from '../ledger/db';
import { prepareRuntimeDatabase, runtimeSqlOptions, startupOptionsOf } from '../ledger/startup';
import { requestLogMixin } from '../observability/http';
import { dataConverterFor, EncryptionCodec } from '../observability/payloadCodec';
import { instrumentPostgres } from '../observability/postgres';
import { temporalClientInterceptors } from '../observability/temporal';
import { otlpTracesEndpoint, setupTracing } from '../observability/tracing';
import { readBusinessFigures } from '../store/businessMetrics';
import { appDepsFrom, createApp } from './app';
import { metricsSource, serveInternalMetrics } from './metrics';
import { applyServerLimits, SERVER_OPTIONS } from './serverLimits';
import { gracefulStop } from './shutdown';

/** The API process: serves HTTP until SIGINT/SIGTERM, then drains (api/shutdown.ts) and closes its connections. */
async function main() {
  const config = loadConfig();
  // Before anything that makes spans: the provider, the context manager and the propagator.
  const tracing = setupTracing({ serviceName: 'corebank-api' });
  const log = createLogger('api', config.logLevel, { format: config.observability.logFormat, mixin: requestLogMixin });
  const sql = instrumentPostgres(createSql(config.databaseUrl, runtimeSqlOptions(config.database)));
  await prepareRuntimeDatabase(sql, startupOptionsOf(config, { info: (line) => log.info(line), warn: (line) => log.warn(line) }));
  const connection = await Connection.connect(temporalConnectionOptions(config));
  // Traces and request ids travel into the workflows in the headers these interceptors add.
  const temporal = new Client({
    connection,
    namespace: config.temporalNamespace,
    interceptors: temporalClientInterceptors(),
    ...dataConverterFor(config.payloadKeys),
  });

  const metrics = metricsSource(() => readBusinessFigures(sql), { maxAgeMs: config.businessMetricsMaxAgeMs });
  const internalMetrics = config.internalMetrics ? await serveInternalMetrics(metrics, config.internalMetrics) : undefined;
  if (internalMetrics) log.info({ url: internalMetrics.url }, 'internal metrics listener (no token)');
  // Set once the server exists; until then nothing can be draining.
  let shutdown: ReturnType<typeof gracefulStop> | undefined;
  const app = createApp(
    appDepsFrom(config, {
      sql,
      temporal,
      logError: (error, context) => log.error({ err: error, ...context }, 'unexpected error'),
      // The process's main chooses the adapter; the app knows only usecases/ports.ts Notifier.
      ...(config.localNotifier ? { notifier: createLocalNotifier(sql) } : {}),
    }),
    {
      log,
      readinessTimeoutMs: config.observability.readinessTimeoutMs,
      requestDeadlineMs: config.apiRequestDeadlineMs,
      metrics,
      isDraining: () => shutdown?.isDraining() ?? false,
      ...(config.payloadKeys ? { codec: { codec: new EncryptionCodec(config.payloadKeys), corsOrigins: config.codecCorsOrigins } } : {}),
    },
  );
  const server = serve({ fetch: app.fetch, hostname: config.apiHost, port: config.apiPort, serverOptions: SERVER_OPTIONS }, (info) => {
    log.info(
      { url: `http://${config.apiHost}:${info.port}`, traces: otlpTracesEndpoint() ?? 'not exported (OTEL_EXPORTER_OTLP_ENDPOINT unset)' },
      'api listening',
    );
  });

  applyServerLimits(server as Server, config.http);

  const graceful = gracefulStop(server as Server, {
    drainMs: config.shutdown.apiDrainMs,
    inFlightMs: config.workflowWaitMs + DRAIN_MARGIN_MS,
    log,
    closeDependencies: () =>
      Promise.allSettled([connection.close(), sql.end({ timeout: 5 }), tracing.shutdown(), internalMetrics?.close()]),
  });
  shutdown = graceful;
  const stop = (reason: string) => void graceful.stop(reason);
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // One of several API processes (dev/apiCluster.ts): when the primary is gone, so is this one.
  if (process.send) process.once('disconnect', () => stop('primary gone'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
