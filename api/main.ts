import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/env';
import { createLogger } from '../config/log';
import { createSql } from '../ledger/db';
import { migrate } from '../ledger/migrate';
import { requestLogMixin } from '../observability/http';
import { instrumentPostgres } from '../observability/postgres';
import { temporalClientInterceptors } from '../observability/temporal';
import { otlpTracesEndpoint, setupTracing } from '../observability/tracing';
import { appDepsFrom, createApp } from './app';
import { applyServerLimits, SERVER_OPTIONS } from './serverLimits';

/** The API process: serves HTTP until SIGINT/SIGTERM, then closes its connections. */
async function main() {
  const config = loadConfig();
  // Before anything that makes spans: the provider, the context manager and the propagator.
  const tracing = setupTracing({ serviceName: 'corebank-api' });
  const log = createLogger('api', config.logLevel, { format: config.observability.logFormat, mixin: requestLogMixin });
  const sql = instrumentPostgres(createSql(config.databaseUrl, { max: 20 }));
  await migrate(sql, (line) => log.info(line));
  const connection = await Connection.connect({ address: config.temporalAddress });
  // Traces and request ids travel into the workflows in the headers these interceptors add.
  const temporal = new Client({ connection, namespace: config.temporalNamespace, interceptors: temporalClientInterceptors() });

  const app = createApp(
    appDepsFrom(config, { sql, temporal, logError: (error, context) => log.error({ err: error, ...context }, 'unexpected error') }),
    { log, readinessTimeoutMs: config.observability.readinessTimeoutMs },
  );
  const server = serve({ fetch: app.fetch, hostname: config.apiHost, port: config.apiPort, serverOptions: SERVER_OPTIONS }, (info) => {
    log.info(
      { url: `http://${config.apiHost}:${info.port}`, traces: otlpTracesEndpoint() ?? 'not exported (OTEL_EXPORTER_OTLP_ENDPOINT unset)' },
      'api listening',
    );
  });

  applyServerLimits(server as Server, config.http);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'api stopping');
    // Closing waits for nothing longer than this: a dead database or Temporal must not keep the
    // process (and its port) alive.
    setTimeout(() => process.exit(0), 10_000).unref();
    server.close();
    await Promise.allSettled([connection.close(), sql.end({ timeout: 5 }), tracing.shutdown()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  // One of several API processes (dev/apiCluster.ts): when the primary is gone, so is this one.
  if (process.send) process.once('disconnect', () => void stop('primary gone'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
