import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

const api = useTestApi();

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; aggregate: { id: string; sequence: number }; clientId: string | null; data: Record<string, unknown> };
  /** The status the receiver answered. */
  status: number;
}

/** A local receiver on 127.0.0.1: records every request; `refuse` decides which ones answer 503. */
const received: Received[] = [];
let refuse: (r: Omit<Received, 'status'>) => boolean = () => false;
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request = { path: req.url ?? '', headers: req.headers, body, event: JSON.parse(body) };
      const status = refuse(request) ? 503 : 204;
      received.push({ ...request, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

const endpoints: string[] = [];
afterAll(async () => {
  // Their workflows end at their next look.
  for (const id of endpoints) await api().request('DELETE', `/internal/WebhookEndpoints/${id}`);
  await new Promise((resolve) => server.close(resolve));
});

async function createEndpoint(path: string, body: Record<string, unknown>) {
  const res = await api().post('/internal/WebhookEndpoints', { url: `${base}${path}`, ...body });
  expect(res.status, res.text).toBe(201);
  endpoints.push(res.body.value.id);
  return res.body.value as { id: string; secret: string };
}

async function until<T>(what: string, read: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const delivered = (path: string) => received.filter((r) => r.path === path && r.status === 204);
const headersOf = (r: Received) => r.headers as Record<string, string>;

describe('webhooks', () => {
  it('delivers a payment’s events in order, signed by the Standard Webhooks specification', async () => {
    const endpoint = await createEndpoint('/signed', { eventTypes: ['payment.*'], description: 'signed' });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // Never shown again.
    const shown = await api().get(`/internal/WebhookEndpoints/${endpoint.id}`);
    expect(shown.body.value.secret).toBeUndefined();
    expect(JSON.stringify(shown.body.value)).not.toContain(endpoint.secret.slice(6));

    const a = await openAccount(api(), 'EUR', '100.00');
    const b = await openAccount(api(), 'EUR');
    const draft = await api().post('/internal/Payments/draft', {
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '12.5',
      currency: 'EUR',
    });
    const id = draft.body.value.id as string;
    await api().post(`/internal/Payments/${id}/pend`);
    await api().post(`/internal/Payments/${id}/post`);
    const mine = await until(
      'three deliveries',
      () => delivered('/signed').filter((r) => r.event.aggregate.id === id),
      (list) => list.length >= 3,
    );
    expect(mine.map((r) => r.event.type)).toEqual(['payment.draft', 'payment.pending', 'payment.posted']);
    const verifier = new Webhook(endpoint.secret);
    for (const r of mine) {
      // The specification's reference library: signature, id and timestamp tolerance.
      expect(verifier.verify(r.body, headersOf(r))).toEqual(r.event);
      expect(r.headers['webhook-id']).toBe(r.event.id);
      expect(r.headers['content-type']).toBe('application/json');
    }
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(mine[0]?.body ?? '', headersOf(mine[0] as Received)),
    ).toThrow();
    expect(mine[2]?.event.data).toMatchObject({ id, status: 'Posted', amount: '12.50', currency: 'EUR' });
    // The event is the log's event, byte for byte the same JSON.
    const logged = await api().get(`/internal/Events/${mine[2]?.event.id}`);
    expect(logged.body.value).toEqual(mine[2]?.event);
    const deliveries = await api().get(
      `/internal/WebhookEndpoints/${endpoint.id}/deliveries?status=delivered&eventId=${mine[0]?.event.id}`,
    );
    expect(deliveries.body.value.items).toEqual([
      expect.objectContaining({
        eventId: mine[0]?.event.id,
        eventType: 'payment.draft',
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 204,
      }),
    ]);
  });

  it('retries an aggregate’s event while the receiver refuses it, keeps that aggregate’s order and lets others pass', async () => {
    await createEndpoint('/flaky', { eventTypes: ['payment.*'] });
    const a = await openAccount(api(), 'EUR', '100.00');
    const b = await openAccount(api(), 'EUR');
    const held = await api().post('/internal/Payments/draft', {
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '1',
      currency: 'EUR',
    });
    const heldId = held.body.value.id as string;
    // The receiver is down for this payment's events: refused until told otherwise.
    let down = true;
    refuse = (r) => r.path === '/flaky' && down && r.event.aggregate.id === heldId;
    await api().post(`/internal/Payments/${heldId}/pend`);
    const other = await api().post('/internal/Payments', { debitAccountId: a.id, creditAccountId: b.id, amount: '2', currency: 'EUR' });
    const otherId = other.body.value.id as string;
    // The other payment passes while the first one's draft is being retried.
    await until(
      'the other payment',
      () => delivered('/flaky').filter((r) => r.event.aggregate.id === otherId),
      (l) => l.length === 1,
    );
    await until(
      'a few refused attempts',
      () => received.filter((r) => r.path === '/flaky' && r.event.aggregate.id === heldId),
      (l) => l.length >= 2,
    );
    expect(
      received.filter((r) => r.path === '/flaky' && r.event.aggregate.id === heldId).every((r) => r.event.type === 'payment.draft'),
    ).toBe(true);
    down = false;
    const mine = await until(
      'the held payment after the receiver is back',
      () => delivered('/flaky').filter((r) => r.event.aggregate.id === heldId),
      (l) => l.length >= 2,
    );
    expect(mine.map((r) => r.event.type)).toEqual(['payment.draft', 'payment.pending']);
    // Every retry carried the same id and body.
    const attempts = received.filter((r) => r.path === '/flaky' && r.event.id === mine[0]?.event.id);
    expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    refuse = () => false;
  });

  it('filters by type and client, sends nothing for a refused request, none while disabled, and a test event on demand', async () => {
    const a = await openAccount(api(), 'EUR', '1.00');
    const b = await openAccount(api(), 'EUR');
    const endpoint = await createEndpoint('/filtered', { eventTypes: ['client.*', 'payment.posted'], clientId: a.clientId });
    // Refused (422): no event, nothing sent. Then a change of another client: not this endpoint's.
    expect(
      (await api().post('/internal/Payments', { debitAccountId: a.id, creditAccountId: b.id, amount: '5', currency: 'EUR' })).status,
    ).toBe(422);
    await api().put(`/internal/Clients/${b.clientId}/block`, { reason: 'other client' });
    await api().put(`/internal/Clients/${a.clientId}/block`, { reason: 'review' });
    await until(
      'client.blocked',
      () => delivered('/filtered'),
      (l) => l.length >= 1,
    );
    const test = await api().post(`/internal/WebhookEndpoints/${endpoint.id}/test`);
    expect(test.status).toBe(202);
    await until(
      'the test event',
      () => delivered('/filtered').filter((r) => r.event.type === 'webhook.test'),
      (l) => l.length === 1,
    );
    expect(delivered('/filtered').map((r) => [r.event.type, r.event.clientId])).toEqual([
      ['client.blocked', a.clientId],
      ['webhook.test', a.clientId],
    ]);
    expect(delivered('/filtered')[1]?.event.id).toBe(test.body.value.eventId);
    // Disabled: nothing is sent; enabled again, what happens from then on is.
    const disabled = await api().request('PATCH', `/internal/WebhookEndpoints/${endpoint.id}`, { status: 'disabled' });
    expect(disabled.body.value).toMatchObject({ status: 'disabled', disabledReason: 'disabled by request' });
    await api().put(`/internal/Clients/${a.clientId}/unblock`);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(delivered('/filtered')).toHaveLength(2);
    const enabled = await api().request('PATCH', `/internal/WebhookEndpoints/${endpoint.id}`, { status: 'enabled' });
    expect(enabled.body.value).toMatchObject({ status: 'enabled', disabledReason: null });
    await api().put(`/internal/Clients/${a.clientId}/block`, { reason: 'again' });
    await until(
      'client.blocked after enabling',
      () => delivered('/filtered'),
      (l) => l.length === 3,
    );
    expect(delivered('/filtered')[2]?.event.type).toBe('client.blocked');
    // The unblock that happened while disabled goes out on request.
    const unblock = (await api().get(`/internal/Events?aggregateId=${a.clientId}&types=client.unblocked`)).body.value.items[0];
    const redeliver = await api().post(`/internal/WebhookEndpoints/${endpoint.id}/redeliver`, { eventIds: [unblock.id] });
    expect(redeliver.status, redeliver.text).toBe(202);
    await until(
      'the redelivered event',
      () => delivered('/filtered').filter((r) => r.event.id === unblock.id),
      (l) => l.length === 1,
    );
  });

  it('signs with both secrets after a rotation', async () => {
    const endpoint = await createEndpoint('/rotated', { eventTypes: ['client.created'] });
    const rotated = await api().post(`/internal/WebhookEndpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.value.secret).not.toBe(endpoint.secret);
    expect(rotated.body.value.previousSecretValidUntil).toBeTruthy();
    const a = await openAccount(api(), 'EUR');
    const [r] = await until(
      'client.created',
      () => delivered('/rotated').filter((x) => x.event.aggregate.id === a.clientId),
      (l) => l.length === 1,
    );
    expect(String(r?.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.body.value.secret]) {
      expect(new Webhook(secret).verify(r?.body ?? '', headersOf(r as Received))).toMatchObject({ type: 'client.created' });
    }
  });

  it('answers bad input with 400 or 404, never 500', async () => {
    const id = endpoints[0] as string;
    const cases: [string, string, unknown, number][] = [
      ['POST', '/internal/WebhookEndpoints', { url: 'ftp://127.0.0.1/x', eventTypes: ['payment.*'] }, 400],
      ['POST', '/internal/WebhookEndpoints', { url: `${base}/x`, eventTypes: ['Payment'] }, 400],
      ['POST', '/internal/WebhookEndpoints', { url: `${base}/x`, eventTypes: [] }, 400],
      [
        'POST',
        '/internal/WebhookEndpoints',
        { url: `${base}/x`, eventTypes: ['*'], clientId: '00000000-0000-4000-8000-000000000000' },
        404,
      ],
      ['POST', '/internal/WebhookEndpoints', { url: 'http://user:pw@127.0.0.1/x', eventTypes: ['*'] }, 400],
      ['PATCH', `/internal/WebhookEndpoints/${id}`, {}, 400],
      ['PATCH', '/internal/WebhookEndpoints/00000000-0000-4000-8000-000000000000', { status: 'enabled' }, 404],
      ['POST', `/internal/WebhookEndpoints/${id}/redeliver`, { eventIds: [id], since: '2026-01-01T00:00:00Z' }, 400],
      ['POST', `/internal/WebhookEndpoints/${id}/redeliver`, { eventIds: ['00000000-0000-4000-8000-000000000000'] }, 404],
      ['GET', `/internal/WebhookEndpoints/${id}/deliveries?status=lost`, undefined, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await api().request(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`).toBe(status);
    }
    const removed = await createEndpoint('/removed', { eventTypes: ['*'] });
    expect((await api().request('DELETE', `/internal/WebhookEndpoints/${removed.id}`)).status).toBe(200);
    expect((await api().get(`/internal/WebhookEndpoints/${removed.id}`)).status).toBe(404);
    expect((await api().request('DELETE', `/internal/WebhookEndpoints/${removed.id}`)).status).toBe(404);
  });
});
