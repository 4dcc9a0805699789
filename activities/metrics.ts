import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

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
  help: 'Webhook delivery attempts, per endpoint and outcome: delivered, retry (failed, tried again later), failed (the last one)',
  labelNames: ['endpoint', 'outcome'],
  registers: [workerRegistry],
});

export const webhookFailures = new Counter({
  name: 'corebank_webhook_failures_total',
  help: 'Webhook deliveries that failed for good (the retry window passed), per endpoint',
  labelNames: ['endpoint'],
  registers: [workerRegistry],
});

/**
 * The age of each enabled endpoint's oldest undelivered (pending) event, read from Postgres when
 * scraped: a receiver that is down shows as a growing age long before its deliveries fail.
 */
export function registerWebhookBacklog(read: () => Promise<{ endpointId: string; ageSeconds: number }[]>): void {
  new Gauge({
    name: 'corebank_webhook_oldest_pending_seconds',
    help: 'Age of the oldest pending webhook delivery, per enabled endpoint',
    labelNames: ['endpoint'],
    registers: [workerRegistry],
    async collect() {
      this.reset();
      for (const row of await read().catch(() => [])) this.set({ endpoint: row.endpointId }, row.ageSeconds);
    },
  });
}
