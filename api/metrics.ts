import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { PaymentStatus } from '../domain/payment';
import { OutgoingStatus } from '../domain/transfer';
import { listenForScrapes, type MetricsListener } from '../observability/metricsListener';
import type { BusinessFigures } from '../store/businessMetrics';

const registry = new Registry();
collectDefaultMetrics({ register: registry });

const requestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/**
 * Temporal's state as the API last saw it (1 answering, 0 not), set by each /health/ready. Readiness
 * does not depend on it (reads and ledger-only calls still work without Temporal); alert on it.
 */
export const temporalUp = new Gauge({
  name: 'corebank_temporal_up',
  help: '1 when Temporal answered the latest /health/ready probe of this API process within READINESS_TIMEOUT_MS, else 0',
  registers: [registry],
});

/** Times every request, labelled by route pattern (not raw path, which would explode the label set). */
export function metricsMiddleware(): MiddlewareHandler {
  return async (c, next) => {
    const end = requestDuration.startTimer();
    await next();
    end({ method: c.req.method, route: routePath(c, -1), status: String(c.res.status) });
  };
}

/** Reads the business figures (store/businessMetrics.ts readBusinessFigures over the pool). */
export type ReadBusinessFigures = () => Promise<BusinessFigures>;

/**
 * Business metrics, computed from Postgres at scrape time (so every API replica reports the same
 * numbers, and nothing is lost on a restart): payments and transfers by status, the Stuck transfers
 * ops must look at, and the consistency checks that failed.
 */
function businessMetrics(read: ReadBusinessFigures) {
  const business = new Registry();
  // Its own registry: when the queries fail it is all that is exported of the business metrics (a
  // label-less gauge that was reset would still say 0, e.g. "corebank_transfers_stuck 0").
  const health = new Registry();
  const up = new Gauge({
    name: 'corebank_business_metrics_up',
    help: '1 when the business metrics were read from Postgres (at this scrape, or within BUSINESS_METRICS_MAX_AGE_MS), 0 when the queries failed and they are left out',
    registers: [health],
  });
  let ok = false;
  const payments = new Gauge({
    name: 'corebank_payments',
    help: 'Payments by status (read model in Postgres, at scrape time)',
    labelNames: ['status'],
    registers: [business],
  });
  const transfers = new Gauge({
    name: 'corebank_transfers',
    help: 'Transfers by direction (outgoing, incoming, fx) and status (read model in Postgres, at scrape time)',
    labelNames: ['direction', 'status'],
    registers: [business],
  });
  const stuck = new Gauge({
    name: 'corebank_transfers_stuck',
    help: 'Outgoing transfers in status Stuck: the provider retry budget ran out; ops continue or execute them by hand',
    registers: [business],
  });
  const stuckOldest = new Gauge({
    name: 'corebank_transfers_stuck_oldest_seconds',
    help: 'How long the oldest Stuck transfer has been in that status, in seconds (0 when none is Stuck)',
    registers: [business],
  });
  const stranded = new Gauge({
    name: 'corebank_stranded_holds',
    help: 'Holds left on finished payments or transfers (nothing will release them): alert on > 0; the daily check also finds those of ended workflows',
    registers: [business],
  });
  const checkFailures = new Gauge({
    name: 'corebank_daily_check_failures',
    help: 'Consistency check runs that found offending rows, by kind (daily, account_balance), all time',
    labelNames: ['kind'],
    registers: [business],
  });
  const lastCheckFinished = new Gauge({
    name: 'corebank_daily_check_last_finished_timestamp_seconds',
    help: 'When the latest consistency check run of this kind finished (Unix seconds); alert when the daily one is older than a day',
    labelNames: ['kind'],
    registers: [business],
  });
  const lastCheckFailed = new Gauge({
    name: 'corebank_daily_check_last_run_failed',
    help: '1 when the latest finished consistency check run of this kind failed, else 0',
    labelNames: ['kind'],
    registers: [business],
  });

  async function refresh(): Promise<void> {
    try {
      const figures = await read();
      payments.reset();
      for (const status of PaymentStatus) payments.set({ status }, 0);
      for (const row of figures.payments) payments.set({ status: row.status }, Number(row.count));
      transfers.reset();
      for (const status of OutgoingStatus) transfers.set({ direction: 'outgoing', status }, 0);
      for (const row of figures.transfers) transfers.set({ direction: row.direction, status: row.status }, Number(row.count));
      stuck.set(Number(figures.stuck.count));
      stuckOldest.set(Math.max(0, figures.stuck.oldestSeconds ?? 0));
      stranded.set(figures.strandedHolds);
      checkFailures.reset();
      lastCheckFailed.reset();
      lastCheckFinished.reset();
      for (const kind of ['daily', 'account_balance']) {
        checkFailures.set({ kind }, 0);
        lastCheckFailed.set({ kind }, 0);
      }
      for (const row of figures.checks) {
        checkFailures.set({ kind: row.kind }, Number(row.failed));
        if (row.lastFinished !== null) lastCheckFinished.set({ kind: row.kind }, row.lastFinished);
        lastCheckFailed.set({ kind: row.kind }, row.lastFailed ? 1 : 0);
      }
      up.set(1);
      ok = true;
    } catch {
      ok = false;
      // Stale numbers would look like real ones: drop them and say so.
      for (const gauge of [payments, transfers, stuck, stuckOldest, stranded, checkFailures, lastCheckFailed, lastCheckFinished])
        gauge.reset();
      up.set(0);
    }
  }

  return { registry: business, health, refresh, isUp: () => ok };
}

/**
 * The process's metrics and the business metrics. The business queries scan whole tables, so with
 * `maxAgeMs` a scrape reuses numbers at most that old (one refresh at a time, whoever scrapes:
 * several Prometheus servers, the token route and the internal listener), instead of scanning per
 * scrape; 0 reads them at every scrape.
 */
export function metricsSource(read: ReadBusinessFigures, { maxAgeMs = 0 }: { maxAgeMs?: number } = {}) {
  const business = businessMetrics(read);
  const merged = Registry.merge([registry, business.health, business.registry]);
  const withoutBusiness = Registry.merge([registry, business.health]);
  let refreshedAt = Number.NEGATIVE_INFINITY;
  let refreshing: Promise<void> | undefined;
  const fresh = async () => {
    if (Date.now() - refreshedAt < maxAgeMs) return;
    refreshing ??= business.refresh().finally(() => {
      refreshedAt = Date.now();
      refreshing = undefined;
    });
    await refreshing;
  };
  return {
    contentType: merged.contentType,
    async text(): Promise<string> {
      await fresh();
      return (business.isUp() ? merged : withoutBusiness).metrics();
    },
  };
}

export type MetricsSource = ReturnType<typeof metricsSource>;

/** GET /metrics on the API's port (system or ops token). */
export function metricsRoute(source: MetricsSource): MiddlewareHandler {
  return async (c) => c.text(await source.text(), 200, { 'content-type': source.contentType });
}

/**
 * The internal metrics listener (METRICS_PORT, METRICS_HOST): GET /metrics without a token, for a
 * Prometheus on the internal network; a token lives at most JWT_MAX_TTL_SECONDS, a scrape config
 * for good. Keep the port off the public network (compose: not published; Kubernetes: a
 * NetworkPolicy).
 */
export function serveInternalMetrics(source: MetricsSource, address: { port: number; host: string }): Promise<MetricsListener> {
  return listenForScrapes(address, async () => ({ contentType: source.contentType, body: await source.text() }));
}
