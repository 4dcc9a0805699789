import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type BuiltProcess, freshTaskQueue, startBuilt, UI_ORIGIN } from './builtProcess';
import { fundedCustomer, httpApi, settlementAccount } from './http';

/**
 * Nothing readable in Temporal: with the production profile's payload encryption, a payment's
 * history (read with a client that has no key, as the Temporal database or UI would show it) holds
 * only ciphertext, and the API's codec endpoint decodes it for an ops token.
 */
let worker: BuiltProcess;
let apiProcess: BuiltProcess;
let raw: Client;

beforeAll(async () => {
  const taskQueue = freshTaskQueue();
  worker = await startBuilt('worker', { taskQueue });
  apiProcess = await startBuilt('api', { taskQueue });
  raw = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
});

afterAll(async () => {
  await raw?.connection.close();
  apiProcess?.child.kill();
  await worker?.child.stop(60_000);
});

type JsonPayload = { metadata?: Record<string, string>; data?: string };

/** Every payload anywhere in a history event, as proto3 JSON would carry it. */
function payloadsIn(value: unknown, found: { metadata?: Record<string, Uint8Array>; data?: Uint8Array; path: string }[] = [], path = '') {
  if (value && typeof value === 'object') {
    const v = value as { metadata?: Record<string, Uint8Array>; data?: unknown };
    if (v.metadata && typeof v.metadata === 'object' && 'encoding' in v.metadata && v.data instanceof Uint8Array)
      found.push({ metadata: v.metadata, data: v.data, path });
    else for (const [key, child] of Object.entries(value)) payloadsIn(child, found, /^\d+$/.test(key) ? path : `${path}.${key}`);
  }
  return found;
}

describe('payload encryption (the built API and worker, production profile)', () => {
  it("stores a payment's history as ciphertext, and /codec/decode reads it for ops only", async () => {
    const api = httpApi(apiProcess.url);
    const { accountId } = await fundedCustomer(api, '50.00');
    const settlement = await settlementAccount(api);
    const payment = await api.post('/internal/Payments', {
      debitAccountId: accountId,
      creditAccountId: settlement,
      amount: '12.34',
      currency: 'EUR',
      description: 'rent for flat 7',
    });
    expect(payment.status, JSON.stringify(payment.body)).toBe(201);
    const history = await raw.workflow.getHandle(`payment-${payment.body.value.id}`).fetchHistory();
    const payloads = payloadsIn(history.events);
    const encodings = payloads.map((p) => Buffer.from(p.metadata?.encoding ?? []).toString());
    const plain = encodings.filter((e) => e !== 'binary/encrypted');
    // Temporal leaves some payloads to the server in clear by design: headers (our trace context and
    // request id), search attributes (indexed for the list queries) and the SDK's markers. Checked
    // separately below: no business value in any of them.
    const byDesign = /\.header\.fields\.|\.searchAttributes\.|\.markerRecordedEventAttributes\./;
    const plainPaths = payloads.filter((_, i) => encodings[i] !== 'binary/encrypted').map((p) => p.path);
    for (const p of payloads.filter((_, i) => encodings[i] !== 'binary/encrypted')) {
      console.log(
        `[shipped] left plain by Temporal's design: ${p.path}: ${Buffer.from(p.data ?? [])
          .toString('utf8')
          .slice(0, 160)}`,
      );
    }
    const historyText = JSON.stringify(history, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    console.log(
      `[shipped] payment ${payment.body.value.id}: ${payloads.length} payloads in its history, ${payloads.length - plain.length} encrypted, ${plain.length} plain (${[...new Set(plain)].join(', ') || 'none'}); amount or description in clear: ${historyText.includes('rent for flat 7') || historyText.includes('12.34')}`,
    );
    expect(payloads.length).toBeGreaterThan(0);
    expect(plainPaths.filter((path) => !byDesign.test(path))).toEqual([]);
    expect(historyText).not.toContain('rent for flat 7');

    const body = {
      payloads: payloads.map(
        (p): JsonPayload => ({
          metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
          data: Buffer.from(p.data ?? []).toString('base64'),
        }),
      ),
    };
    const system = await api.post('/codec/decode', body);
    expect(system.status).toBe(403);
    const opsBearer = await api.tokenFor('ops');
    const decoded = await api.post('/codec/decode', body, { bearer: opsBearer });
    expect(decoded.status, JSON.stringify(decoded.body)).toBe(200);
    const texts = (decoded.body.payloads as JsonPayload[]).map((p) => Buffer.from(p.data ?? '', 'base64').toString('utf8'));
    const encodingsAfter = (decoded.body.payloads as JsonPayload[]).map((p) =>
      Buffer.from(p.metadata?.encoding ?? '', 'base64').toString(),
    );
    expect(encodingsAfter).not.toContain('binary/encrypted');
    expect(texts.join('\n')).toContain('rent for flat 7');
    console.log(`[shipped] /codec/decode with an ops token: ${texts.length} payloads back in ${[...new Set(encodingsAfter)].join(', ')}`);

    // The Web UI calls it from its own origin: the preflight is answered without a token.
    const preflight = await fetch(`${apiProcess.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const elsewhere = await fetch(`${apiProcess.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(elsewhere.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });
});
