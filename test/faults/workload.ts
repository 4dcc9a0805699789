import { randomUUID } from 'node:crypto';

/** One HTTP exchange as the client saw it: an answer, or its loss. */
export interface Exchange {
  status: number | 'lost';
  body?: any;
  replayed: boolean;
}

/** One logical request with its Idempotency-Key and every attempt made under it. */
export interface RequestRecord {
  op: string;
  method: string;
  path: string;
  key: string;
  body: unknown;
  attempts: Exchange[];
  /** The answer the client acted on (the first definitive one), if any. */
  final?: Exchange;
}

const DEFINITIVE = (s: number | 'lost') => typeof s === 'number' && s < 500 && s !== 409;

/**
 * A bank client that retries a request whose answer was lost (connection refused, timeout, 5xx,
 * 409 in progress) with the same Idempotency-Key, and keeps every attempt for the checker.
 */
export function createClient(apiUrl: string, bearer: string, history: RequestRecord[]) {
  return async function send(op: string, method: string, path: string, body?: unknown): Promise<Exchange | undefined> {
    const record: RequestRecord = { op, method, path, key: randomUUID(), body, attempts: [] };
    history.push(record);
    for (let attempt = 0; attempt < 40; attempt++) {
      let exchange: Exchange;
      try {
        const res = await fetch(`${apiUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'Idempotency-Key': record.key },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(20_000),
        });
        exchange = {
          status: res.status,
          body: await res.json().catch(() => null),
          replayed: res.headers.get('Idempotent-Replayed') === 'true',
        };
      } catch {
        exchange = { status: 'lost', replayed: false };
      }
      record.attempts.push(exchange);
      if (DEFINITIVE(exchange.status)) {
        record.final = exchange;
        // Sometimes repeat a request that was answered, as a client that lost the answer would.
        if (Math.random() < 0.1) record.attempts.push(await repeat(record));
        return exchange;
      }
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** Math.min(attempt, 4), 3_000)));
    }
    return undefined;
  };

  async function repeat(record: RequestRecord): Promise<Exchange> {
    try {
      const res = await fetch(`${apiUrl}${record.path}`, {
        method: record.method,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'Idempotency-Key': record.key },
        body: record.body === undefined ? undefined : JSON.stringify(record.body),
        signal: AbortSignal.timeout(20_000),
      });
      return { status: res.status, body: await res.json().catch(() => null), replayed: res.headers.get('Idempotent-Replayed') === 'true' };
    } catch {
      return { status: 'lost', replayed: false };
    }
  }
}
