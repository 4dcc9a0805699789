import type { IncomingMessage, ServerResponse } from 'node:http';
import { workerRegistry } from '../activities/metrics';
import { listenForScrapes, type MetricsListener } from '../observability/metricsListener';
import { type WorkerHealthSource, workerLiveness, workerReadiness } from './health';

export interface WorkerMetricsOptions {
  /**
   * The Temporal SDK runtime's own Prometheus exporter (Runtime.install telemetryOptions, bound to
   * 127.0.0.1 on a free port): its `temporal_*` series are appended to the worker's.
   */
  sdkMetricsUrl?: string;
  /** Serves /health/live and /health/ready from these when set (worker/health.ts). */
  health?: WorkerHealthSource;
}

/** The SDK runtime's metrics, or a comment saying they could not be read. */
async function sdkMetrics(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return `# temporal sdk metrics unavailable: HTTP ${res.status}\n`;
    return await res.text();
  } catch (error) {
    return `# temporal sdk metrics unavailable: ${(error as Error).message.replace(/\s+/g, ' ')}\n`;
  }
}

/**
 * The worker's HTTP port (WORKER_METRICS_PORT): /health/live and /health/ready for the orchestrator,
 * and the worker's Prometheus metrics at GET /metrics on a port of its own (docs/api.md: metrics
 * are served on a separate port or behind a token): the activities' registry
 * (daily_check_failures_total, process metrics) and the Temporal SDK runtime's (worker task slots,
 * poll and schedule-to-start latencies, workflow and activity outcomes). Bound to localhost unless
 * told otherwise.
 */
export function serveWorkerMetrics(port: number, host: string, options: WorkerMetricsOptions = {}): Promise<MetricsListener> {
  const scrape = async () => {
    const [own, sdk] = await Promise.all([workerRegistry.metrics(), options.sdkMetricsUrl ? sdkMetrics(options.sdkMetricsUrl) : '']);
    return { contentType: workerRegistry.contentType, body: sdk ? `${own}\n${sdk}` : own };
  };
  const healthRoutes = (req: IncomingMessage, res: ServerResponse): boolean => {
    const health = options.health;
    if (req.method !== 'GET' || !health || (req.url !== '/health/live' && req.url !== '/health/ready')) return false;
    const answer = req.url === '/health/live' ? Promise.resolve(workerLiveness(health)) : workerReadiness(health);
    answer.then(
      ({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      () => res.writeHead(500).end(),
    );
    return true;
  };
  return listenForScrapes({ port, host }, scrape, healthRoutes);
}
