import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scrape's answer. */
export interface Scrape {
  contentType: string;
  body: string;
}

/** A listener started on its own port; `url` names its /metrics. */
export interface MetricsListener {
  url: string;
  close: () => Promise<void>;
}

/**
 * A plain HTTP listener for Prometheus, shared by the API's internal port and the worker's:
 * GET /metrics answers `scrape()` (500 when it fails), a request `other` handles is its own, any
 * other is 404. Resolves once the port is bound (port 0 takes a free one).
 */
export async function listenForScrapes(
  { port, host }: { port: number; host: string },
  scrape: () => Promise<Scrape>,
  other?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    if (other?.(req, res)) return;
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrape().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
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
