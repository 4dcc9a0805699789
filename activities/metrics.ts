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

export const webhookAttempts = new Counter({
  name: 'corebank_webhook_attempts_total',
  help: 'Webhook delivery attempts, by outcome: delivered, retry (failed, tried again later), failed (the last one)',
  labelNames: ['outcome'],
  registers: [workerRegistry],
});

export const webhookFailures = new Counter({
  name: 'corebank_webhook_failures_total',
  help: 'Webhook deliveries that failed for good (the retry window passed)',
  registers: [workerRegistry],
});
