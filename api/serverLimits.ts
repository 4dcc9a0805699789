import type { Server } from 'node:http';
import type { HttpLimits } from '../config/env';

/**
 * Timeouts of the HTTP server itself (docs/api.md: slow or idle connections are closed). A client that
 * sends its headers a byte at a time (slow-loris) or trickles its body holds a socket and memory;
 * Node closes it after headersTimeout / requestTimeout, and an idle kept-alive connection after
 * keepAliveTimeout. The check runs every SERVER_OPTIONS.connectionsCheckingInterval, so a timeout fires up to that much late.
 */
/** Options of the server's creation: how often Node checks the timeouts below (its default is every 30 s). */
export const SERVER_OPTIONS = { connectionsCheckingInterval: 1_000 };

export function applyServerLimits(
  server: Server,
  limits: Pick<HttpLimits, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'>,
) {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Headers beyond this many are not read at all (Node's default is 2000).
  server.maxHeadersCount = 100;
}
