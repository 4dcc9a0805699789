import { randomUUID } from 'node:crypto';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyServerLimits, SERVER_OPTIONS } from '../../../api/serverLimits';
import { token } from '../../support/api';
import { useTestApi } from '../../support/suite';

/**
 * Hostile callers, bodies: an oversized body is refused after at most the bound of its route class
 * is read, before authentication reads anything, and the process's memory stays flat. The app is
 * served over real HTTP (chunked bodies, sockets whose bytes read are counted), with the server
 * limits api/main.ts applies.
 */
const api = useTestApi();
const MiB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x41);

let server: Server;
let base: { port: number };
/** Every connection the server accepted: bytesRead says how much of a body was taken off the wire. */
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: api().app.fetch, hostname: '127.0.0.1', port: 0, serverOptions: SERVER_OPTIONS }, () =>
      resolve(s as Server),
    ) as Server;
  });
  applyServerLimits(server, { headersTimeoutMs: 2_000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 1_000 });
  server.on('connection', (socket: Socket) => sockets.push(socket));
  base = { port: (server.address() as AddressInfo).port };
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Streamed {
  status: number;
  code: string | undefined;
  /** Bytes the client wrote before the answer came. */
  sentBeforeAnswer: number;
  /** Bytes the server's socket read, headers included. */
  serverRead: number;
}

/**
 * Streams `totalBytes` (chunked unless `declare`) and stops writing as soon as an answer arrives;
 * resolves once the connection is closed.
 */
function stream(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; totalBytes?: number; declare?: boolean } = {},
): Promise<Streamed> {
  const total = opts.totalBytes ?? 48 * MiB;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    let sentBeforeAnswer = 0;
    let status = 0;
    let body = '';
    const before = sockets.length;
    const req = httpRequest({
      host: '127.0.0.1',
      port: base.port,
      method,
      path,
      headers: { ...(opts.declare ? { 'content-length': String(total) } : { 'transfer-encoding': 'chunked' }), ...opts.headers },
    });
    const finish = () => {
      const socket = sockets[before];
      resolve({
        status,
        code: body ? JSON.parse(body).errors?.[0]?.metadata?.code : undefined,
        sentBeforeAnswer,
        serverRead: socket?.bytesRead ?? -1,
      });
    };
    req.on('response', (res) => {
      answered = true;
      sentBeforeAnswer = sent;
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => {
        req.destroy();
        // The server side closes (Connection: close); give its socket a moment to count.
        setTimeout(finish, 50);
      });
    });
    req.on('error', (error) => {
      // The server closing mid-write is an answer too, when the status came first.
      if (answered) return;
      reject(error);
    });
    const pump = () => {
      while (!answered && sent < total) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

const uuid = randomUUID();
/** One request of every route class, no token. */
const ROUTE_CLASSES: [string, string, Record<string, string>][] = [
  ['POST', '/no/such/route/Documents', { 'content-type': 'application/json' }],
  ['POST', '/no/such/route/Documents', { 'content-type': 'multipart/form-data; boundary=x' }],
  ['POST', `/Transfers/${uuid}/Documents`, { 'content-type': 'multipart/form-data; boundary=x' }],
  ['POST', `/Transfers/${uuid}/Documents`, { 'content-type': 'application/json' }],
  ['POST', `/internal/Clients/${uuid}/Documents`, { 'content-type': 'multipart/form-data; boundary=x' }],
  ['POST', '/internal/Payments', { 'content-type': 'application/json' }],
  ['POST', '/Transfers/outgoing', { 'content-type': 'application/json' }],
  ['PUT', `/Transfers/outgoing/${uuid}/confirm`, { 'content-type': 'application/json' }],
  ['PATCH', `/Accounts/${uuid}`, { 'content-type': 'application/json' }],
  ['DELETE', `/Accounts/${uuid}`, { 'content-type': 'text/plain' }],
  ['POST', '/health', { 'content-type': 'application/octet-stream' }],
];

describe('bodies are bounded before anything reads them', () => {
  it.each(ROUTE_CLASSES)('%s %s (%o) without a token: refused after at most 1 MiB is read', async (method, path, headers) => {
    const res = await stream(method, path, { headers });
    expect([401, 404, 413], JSON.stringify(res)).toContain(res.status);
    expect(res.serverRead, JSON.stringify(res)).toBeLessThanOrEqual(MiB);
  });

  it('a declared Content-Length above the bound is 413 before authentication, on every class', async () => {
    for (const [method, path, headers] of ROUTE_CLASSES.slice(0, 8)) {
      const res = await stream(method, path, { headers, declare: true });
      expect(res.status, `${method} ${path}`).toBe(413);
      expect(res.code).toBe('PAYLOAD_TOO_LARGE');
      expect(res.serverRead, `${method} ${path}`).toBeLessThanOrEqual(MiB);
    }
  });

  it('with a valid token a chunked JSON body is 413 once it passes 1 MiB, also on a path ending in /Documents', async () => {
    const system = { authorization: `Bearer ${api().tokens.system}`, 'content-type': 'application/json' };
    for (const path of ['/internal/Payments', `/internal/Clients/${uuid}/Documents`, '/internal/no/such/route/Documents']) {
      const res = await stream('POST', path, { headers: system });
      expect(res.status, `${path}: ${JSON.stringify(res)}`).toBe(413);
      expect(res.serverRead).toBeLessThanOrEqual(2 * MiB);
    }
  });

  it('an authenticated upload is bounded at the document limit, not read whole', async () => {
    const res = await stream('POST', `/internal/Clients/${uuid}/Documents`, {
      headers: { authorization: `Bearer ${api().tokens.system}`, 'content-type': 'multipart/form-data; boundary=x' },
    });
    // The client does not exist: 404 before the body is read.
    expect(res.status).toBe(404);
    expect(res.serverRead).toBeLessThanOrEqual(MiB);
  });

  it('a client token on another client is refused before its upload body is read', async () => {
    const stranger = await api().post('/internal/Clients', {
      type: 'individual',
      firstName: 'Eve',
      lastName: 'Mallory',
      email: `eve-${randomUUID()}@example.com`,
      country: 'GB',
    });
    const res = await stream('POST', `/Transfers/${uuid}/Documents`, {
      headers: {
        authorization: `Bearer ${await token('client', stranger.body.value.id)}`,
        'content-type': 'multipart/form-data; boundary=x',
      },
    });
    expect(res.status).toBe(404);
    expect(res.serverRead).toBeLessThanOrEqual(MiB);
  });

  it('10 parallel unauthenticated 48 MiB bodies: the resident memory grows by less than 20 MiB', async () => {
    const rss = () => process.memoryUsage().rss;
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 5);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => {
        const [method, path, headers] = ROUTE_CLASSES[i % ROUTE_CLASSES.length] as (typeof ROUTE_CLASSES)[number];
        return stream(method, path, { headers });
      }),
    );
    clearInterval(sampler);
    peak = Math.max(peak, rss());
    const grownMiB = (peak - before) / MiB;
    const readMiB = results.map((r) => r.serverRead / MiB);
    console.log(
      `hostile bodies: 10 parallel 48 MiB chunked bodies without a token: RSS ${(before / MiB).toFixed(1)} -> peak ${(peak / MiB).toFixed(1)} MiB ` +
        `(+${grownMiB.toFixed(1)} MiB); read per request at most ${Math.max(...readMiB).toFixed(2)} MiB; statuses ${results.map((r) => r.status).join(',')}`,
    );
    for (const r of results) expect(r.serverRead).toBeLessThanOrEqual(MiB);
    expect(grownMiB).toBeLessThan(20);
  });

  it('closes a connection whose headers never finish (slow-loris)', async () => {
    const { connect } = await import('node:net');
    const started = Date.now();
    const closed = await new Promise<number>((resolve) => {
      const socket = connect(base.port, '127.0.0.1', () => {
        socket.write('POST /internal/Payments HTTP/1.1\r\nHost: x\r\n');
        const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
        socket.on('close', () => {
          clearInterval(drip);
          resolve(Date.now() - started);
        });
        socket.on('error', () => undefined);
      });
    });
    // headersTimeout 2 s here, checked every second.
    expect(closed).toBeLessThan(5_000);
    expect(closed).toBeGreaterThanOrEqual(1_900);
  });
});
