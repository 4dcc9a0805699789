import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { workerRegistry } from '../activities/metrics';

/**
 * Serves the worker's Prometheus registry at GET /metrics on a port of its own (API.md: metrics
 * are served on a separate port or behind a token). Bound to localhost unless told otherwise.
 */
export async function serveWorkerMetrics(port: number, host: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    workerRegistry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': workerRegistry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://${host}:${bound}/metrics`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
