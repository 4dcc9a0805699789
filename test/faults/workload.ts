import { randomUUID } from 'node:crypto';

/** One HTTP exchange as the client saw it: an answer, or its loss. */
export interface Exchange {
  status: number | 'lost';
  body?: any;
  replayed: boolean;
  /** When the attempt ended (ms since the epoch). */
  at?: number;
}

/** One logical request with its Idempotency-Key and every attempt made under it. */
export interface RequestRecord {
  op: string;
  method: string;
  path: string;
  key: string;
  body: unknown;
  /** The client id of a client token; undefined for the system token. */
  clientId?: string;
  attempts: Exchange[];
  /** The answer the client acted on (the first definitive one), if any. */
  final?: Exchange;
}

export interface SendOptions {
  /** Another bearer than the client's default (a bank client's own token). */
  bearer?: string;
  /** The client the bearer names, kept for the checker. */
  clientId?: string;
  /** More request headers (X-Otp-Token of an account close). */
  headers?: Record<string, string>;
}

/** The error code of an answer, if it is a failure envelope. */
export const errorCode = (exchange: Exchange | undefined): string | undefined => exchange?.body?.errors?.[0]?.metadata?.code;

/**
 * Whether an answer ends the request. A lost answer, a 5xx and a 409 IDEMPOTENCY_KEY_IN_PROGRESS
 * (the first attempt still holds the key) are retried with the same key. Every other answer is
 * final, 409 CONCURRENT_MODIFICATION too: it is stored under the key like any answer below 500,
 * so a retry with the same key is only ever its replay (docs/api.md: a repeat returns the first
 * response); trying again means a new request with a new key.
 */
export const isDefinitive = (exchange: Exchange) =>
  typeof exchange.status === 'number' &&
  exchange.status < 500 &&
  !(exchange.status === 409 && errorCode(exchange) === 'IDEMPOTENCY_KEY_IN_PROGRESS');

const ATTEMPTS = 40;

/**
 * A bank client that retries a request whose answer was lost (connection refused, timeout, 5xx,
 * 409 in progress) with the same Idempotency-Key, and keeps every attempt for the checker.
 */
export function createClient(apiUrl: string, bearer: string, history: RequestRecord[]) {
  async function attempt(record: RequestRecord, auth: string, extra: Record<string, string> = {}): Promise<Exchange> {
    let exchange: Exchange;
    try {
      const res = await fetch(`${apiUrl}${record.path}`, {
        method: record.method,
        headers: { ...extra, authorization: `Bearer ${auth}`, 'content-type': 'application/json', 'Idempotency-Key': record.key },
        body: record.body === undefined ? undefined : JSON.stringify(record.body),
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
    exchange.at = Date.now();
    return exchange;
  }

  return async function send(
    op: string,
    method: string,
    path: string,
    body?: unknown,
    options: SendOptions = {},
  ): Promise<Exchange | undefined> {
    const record: RequestRecord = { op, method, path, key: randomUUID(), body, clientId: options.clientId, attempts: [] };
    const auth = options.bearer ?? bearer;
    history.push(record);
    for (let n = 0; n < ATTEMPTS; n++) {
      const exchange = await attempt(record, auth, options.headers);
      record.attempts.push(exchange);
      if (isDefinitive(exchange)) {
        record.final = exchange;
        // Sometimes repeat a request that was answered, as a client that lost the answer would.
        if (Math.random() < 0.1) record.attempts.push(await attempt(record, auth, options.headers));
        return exchange;
      }
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** Math.min(n, 4), 3_000)));
    }
    return undefined;
  };
}

export type Send = ReturnType<typeof createClient>;

/** A GET that is not an operation of the test (reads change nothing): retried until it answers. */
export async function read(apiUrl: string, bearer: string, path: string): Promise<{ status: number; body: any } | undefined> {
  for (let n = 0; n < 20; n++) {
    try {
      const res = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` }, signal: AbortSignal.timeout(20_000) });
      if (res.status < 500) return { status: res.status, body: await res.json().catch(() => null) };
    } catch {
      // lost: try again
    }
    await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** Math.min(n, 4), 3_000)));
  }
  return undefined;
}

/** An attempt in a line: status, r for a replay, the error code and the status it was refused from. */
export const describeExchange = (a: Exchange) => {
  const from = a.body?.errors?.[0]?.metadata?.from;
  return `${a.status}${a.replayed ? 'r' : ''}${errorCode(a) ? ` ${errorCode(a)}` : ''}${from ? ` from ${from}` : ''}`;
};

/** A request with every attempt, for a violation's evidence: "assign key k: lost/503/422 INVALID_STATE_TRANSITION from Completed". */
export const describeRequest = (r: RequestRecord) => `${r.op} key ${r.key}: ${r.attempts.map(describeExchange).join('/')}`;

/**
 * Whether the request that made a change was told so: one of them answered 200, or one was never
 * answered (reported as unanswered on its own). A refusal (4xx) means the request changed nothing,
 * so a change made only by refused requests is an answer that lies.
 */
export const toldSo = (requests: RequestRecord[]) => requests.some((r) => !r.final || r.final.status === 200);
