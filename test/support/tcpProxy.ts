import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in the test's own process between a client (the API's pool) and a server (the run's
 * Postgres), to cut the network between them. `cut()` is a partition: nothing passes either way
 * and nobody is told (no FIN, no RST), so a statement in flight just gets no answer, as when a
 * switch or a security group drops packets; new connections are accepted and left hanging.
 * `heal()` lets everything held back through in order, as TCP's retransmissions would after a
 * short partition. `reset()` closes every connection, as a server restart or a failover does.
 */
export interface TcpProxy {
  port: number;
  cut(): void;
  heal(): void;
  reset(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  /** Bytes read while cut, per direction, sent on heal. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let isCut = false;
  const pairs = new Set<Pair>();

  const open = (pair: Pair) => {
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('data', (chunk) => (isCut ? pair.toClient.push(chunk) : pair.client.write(chunk)));
    upstream.on('error', () => pair.client.destroy());
    upstream.on('close', () => pair.client.destroy());
    for (const chunk of pair.toUpstream.splice(0)) upstream.write(chunk);
  };

  const server = createServer((client) => {
    const pair: Pair = { client, upstream: undefined, toUpstream: [], toClient: [] };
    pairs.add(pair);
    client.on('data', (chunk) => (isCut || !pair.upstream ? pair.toUpstream.push(chunk) : pair.upstream.write(chunk)));
    client.on('error', () => pair.upstream?.destroy());
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (!isCut) open(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };

  const reset = () => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
  };
  return {
    port,
    cut() {
      isCut = true;
    },
    heal() {
      isCut = false;
      for (const pair of pairs) {
        if (!pair.upstream) {
          open(pair);
          continue;
        }
        for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
        for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
      }
    },
    reset,
    async close() {
      reset();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const next = new URL(url);
  next.hostname = '127.0.0.1';
  next.port = String(proxy.port);
  return next.toString();
}
