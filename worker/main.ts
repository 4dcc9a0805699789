import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createLocalNotifier } from '../activities/notifier';
import { createSandboxProvider } from '../activities/provider';
import { ConfigError, loadConfig } from '../config/env';
import { createLogger } from '../config/log';
import { createSql } from '../ledger/db';
import { migrate } from '../ledger/migrate';
import { createWorker } from './createWorker';
import { serveWorkerMetrics } from './metrics';
import { ensureSchedules, scheduleTimes } from './schedules';
import { ensureSearchAttributes } from './searchAttributes';

/** The worker process: runs workflows and activities until SIGINT/SIGTERM, then drains. */
async function main() {
  const config = loadConfig();
  const log = createLogger('worker', config.logLevel);
  // Fail closed: only development adapters exist so far, and outside the local profile they run
  // only when switched on by name (a real provider and notifier plug in through the same interfaces).
  if (!config.sandboxProvider) {
    throw new ConfigError('no payment provider is configured; set ALLOW_SANDBOX_PROVIDER=true to run the sandbox provider');
  }
  if (!config.localNotifier) {
    throw new ConfigError('no notifier is configured; set ALLOW_LOCAL_NOTIFIER=true to keep messages (OTP codes) in Postgres');
  }
  const sql = createSql(config.databaseUrl, { max: 20 });
  await migrate(sql, (line) => log.info(line));

  const client = await Connection.connect({ address: config.temporalAddress });
  const added = await ensureSearchAttributes(client, config.temporalNamespace);
  if (added.length > 0) log.info({ added }, 'registered search attributes');
  const schedules = await ensureSchedules(
    new Client({ connection: client, namespace: config.temporalNamespace }),
    config.taskQueue,
    scheduleTimes(),
  );
  if (schedules.length > 0) log.info({ schedules }, 'created schedules');
  await client.close();

  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    sql,
    provider: createSandboxProvider(sql, { decisionDelayMs: config.sandboxDecisionMs }),
    notifier: createLocalNotifier(sql, (line) => log.info(line)),
    otp: config.otp,
    transferLimits: config.transferLimits,
    workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
  });
  // Prometheus metrics of the activities (daily_check_failures_total), on a port of their own when set.
  const metricsPort = process.env.WORKER_METRICS_PORT;
  const metrics = metricsPort ? await serveWorkerMetrics(Number(metricsPort), process.env.WORKER_METRICS_HOST ?? '127.0.0.1') : undefined;
  if (metrics) log.info({ url: metrics.url }, 'worker metrics');
  log.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress }, 'worker running');
  await worker.run();
  await metrics?.close();
  await connection.close();
  await sql.end({ timeout: 5 });
  log.info('worker stopped');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
