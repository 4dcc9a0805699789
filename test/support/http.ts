import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll } from 'vitest';
import { type CorebankClient, createCorebankClient } from '../../client';
import type { ApiResponse, TestApi, TestApiOptions } from './api';
import { useTestApi } from './suite';

/** An answer of the typed client in the shape the e2e tests assert on (see ApiResponse). */
export interface HttpResponse<D = unknown> extends ApiResponse {
  /** openapi-fetch's typed success body (undefined on an error status). */
  data: D | undefined;
}

/** Bodies as received, byte for byte, by response (openapi-fetch consumes the body it parses). */
const bodies = new WeakMap<Response, string>();

async function recordingFetch(request: Request): Promise<Response> {
  const response = await fetch(request);
  bodies.set(response, await response.clone().text());
  return response;
}

/** The typed client against a real HTTP address; a bearer token unless `token` is null. */
export function typedClient(baseUrl: string, token: string | null): CorebankClient {
  return createCorebankClient(baseUrl, token ?? undefined, { fetch: recordingFetch });
}

/** Awaits a typed-client call: status, the envelope (success or failure), headers and raw text. */
export async function send<D>(call: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<HttpResponse<D>> {
  const { data, error, response } = await call;
  return {
    status: response.status,
    body: (data ?? error ?? null) as ApiResponse['body'],
    headers: response.headers,
    text: bodies.get(response) ?? '',
    data,
  };
}

/** Serves an app on a free port of 127.0.0.1 until close(). */
export async function listen(app: TestApi['app']): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

/**
 * useTestApi, and the same app served over real HTTP on a free port for the typed client (and for
 * child processes such as the ops CLI). `client()` carries the system token, `client(token)` another,
 * `client(null)` none.
 */
export function useHttpApi(options: TestApiOptions = {}) {
  const api = useTestApi(options);
  let served: Awaited<ReturnType<typeof listen>> | undefined;
  const clients = new Map<string | null, CorebankClient>();
  beforeAll(async () => {
    served = await listen(api().app);
  });
  afterAll(async () => {
    await served?.close();
  });
  const url = () => {
    if (!served) throw new Error('the HTTP server is started in beforeAll');
    return served.url;
  };
  return {
    api,
    url,
    client(token?: string | null): CorebankClient {
      const bearer = token === undefined ? api().tokens.system : token;
      const client = clients.get(bearer) ?? typedClient(url(), bearer);
      clients.set(bearer, client);
      return client;
    },
  };
}
