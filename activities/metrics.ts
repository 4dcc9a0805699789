import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

/**
 * Metrics of the worker process, where the activities run. worker/main.ts serves them on
 * WORKER_METRICS_PORT when that is set, with the Temporal SDK runtime's (the API's /metrics is
 * another process and registry).
 */
export const workerRegistry = new Registry();
// The worker process's own: CPU, memory, event loop lag, handles.
collectDefaultMetrics({ register: workerRegistry });

export const dailyCheckFailures = new Counter({
  name: 'daily_check_failures_total',
  help: 'Consistency checks (daily check, account balance check job) that found offending rows, by check name',
  labelNames: ['check', 'kind'],
  registers: [workerRegistry],
});
