import { Counter, Registry } from 'prom-client';

/**
 * Metrics of the worker process, where the activities run. worker/main.ts serves them on
 * WORKER_METRICS_PORT when that is set (the API's /metrics is another process and registry).
 */
export const workerRegistry = new Registry();

export const dailyCheckFailures = new Counter({
  name: 'daily_check_failures_total',
  help: 'Consistency checks (daily check, account balance check job) that found offending rows, by check name',
  labelNames: ['check', 'kind'],
  registers: [workerRegistry],
});
