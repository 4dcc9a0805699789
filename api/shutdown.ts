import type { Server } from 'node:http';
import type { Logger } from 'pino';

export interface DrainOptions {
  /** How long the API keeps serving, unready, after SIGTERM (API_SHUTDOWN_DRAIN_MS). */
  drainMs: number;
  /** After the drain, how long requests still in flight may take (WORKFLOW_WAIT_MS + margin). */
  inFlightMs: number;
  log: Logger;
  /** Closes Temporal, Postgres and tracing once no request is left. */
  closeDependencies: () => Promise<unknown>;
}

/**
 * The API's graceful stop. SIGTERM arrives while the load balancer still sends traffic (Kubernetes
 * removes the endpoint at the same time, not before), so stopping at once drops requests: first
 * the process turns unready and keeps serving for the drain time, answering with
 * `Connection: close` so clients do not keep sockets that are about to go; then it stops listening,
 * lets requests in flight finish, closes its connections and exits 0. A process that cannot finish
 * in time exits 1 rather than hang.
 */
export function gracefulStop(server: Server, options: DrainOptions) {
  let draining = false;
  return {
    isDraining: () => draining,
    async stop(reason: string): Promise<void> {
      if (draining) return;
      draining = true;
      const { drainMs, inFlightMs, log } = options;
      log.info({ reason, drainMs }, 'api draining: /health/ready answers 503, requests are still served');
      setTimeout(() => {
        log.error({ drainMs, inFlightMs }, 'api did not stop in time; exiting');
        process.exit(1);
      }, drainMs + inFlightMs).unref();
      await new Promise((resolve) => setTimeout(resolve, drainMs));
      log.info('api closing: no new connections, finishing the requests in flight');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets with no request on them would hold close() open until they time out.
        server.closeIdleConnections();
      });
      await options.closeDependencies();
      log.info('api stopped');
      process.exit(0);
    },
  };
}
