import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { token } from '../support/api';
import { openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

const api = useTestApi();

interface EventJson {
  id: string;
  type: string;
  aggregate: { type: string; id: string; sequence: number };
  clientId: string | null;
  data: Record<string, unknown>;
}

/** Every event the log holds for a query, page by page. */
async function allEvents(query: string): Promise<EventJson[]> {
  const events: EventJson[] = [];
  let after = '';
  for (;;) {
    const res = await api().get(`/internal/Events?limit=2&${query}${after ? `&after=${after}` : ''}`);
    expect(res.status, res.text).toBe(200);
    events.push(...res.body.value.items);
    if (!res.body.value.nextCursor) return events;
    after = res.body.value.nextCursor;
  }
}

describe('the event log', () => {
  it("records each payment status in order, and the client's and account's events", async () => {
    const a = await openAccount(api(), 'EUR', '100.00');
    const b = await openAccount(api(), 'EUR');
    const draft = await api().post('/internal/Payments/draft', {
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '30',
      currency: 'EUR',
    });
    const id = draft.body.value.id as string;
    expect((await api().post(`/internal/Payments/${id}/pend`)).status).toBe(200);
    expect((await api().post(`/internal/Payments/${id}/post`)).status).toBe(200);
    const events = await allEvents(`aggregateId=${id}`);
    expect(events.map((e) => [e.type, e.aggregate.sequence])).toEqual([
      ['payment.draft', 1],
      ['payment.pending', 2],
      ['payment.posted', 3],
    ]);
    expect(events[2]).toMatchObject({
      aggregate: { type: 'payment', id },
      clientId: a.clientId,
      data: { status: 'Posted', amount: '30.00' },
    });
    const one = await api().get(`/internal/Events/${events[2]?.id}`);
    expect(one.body.value).toEqual(events[2]);

    const ofClient = await allEvents(`clientId=${a.clientId}&types=client.*,account.opened,payment.posted`);
    expect(ofClient.map((e) => e.type)).toEqual(['client.created', 'account.opened', 'payment.posted', 'payment.posted']);
    const onlyPayments = await allEvents(`clientId=${a.clientId}&types=payment.*`);
    expect(onlyPayments.every((e) => e.type.startsWith('payment.'))).toBe(true);
  });

  it('records nothing for a refused request', async () => {
    const a = await openAccount(api(), 'EUR', '1.00');
    const b = await openAccount(api(), 'EUR');
    const before = await allEvents(`clientId=${a.clientId}`);
    const refused = await api().post('/internal/Payments', { debitAccountId: a.id, creditAccountId: b.id, amount: '5', currency: 'EUR' });
    expect(refused.status).toBe(422);
    const draft = await api().post('/internal/Payments/draft', {
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '5',
      currency: 'EUR',
    });
    const pend = await api().post(`/internal/Payments/${draft.body.value.id}/pend`);
    expect(pend.status).toBe(422);
    const events = await allEvents(`clientId=${a.clientId}`);
    expect(events.slice(before.length).map((e) => e.type)).toEqual(['payment.draft']);
    expect(await allEvents(`aggregateId=${draft.body.value.id}`)).toHaveLength(1);
  });

  it('blocks twice and unblocks: one event per change of status', async () => {
    const a = await openAccount(api(), 'EUR');
    await api().put(`/internal/Clients/${a.clientId}/block`, { reason: 'KYC' });
    await api().put(`/internal/Clients/${a.clientId}/block`, { reason: 'KYC again' });
    await api().put(`/internal/Clients/${a.clientId}/unblock`);
    const events = await allEvents(`aggregateId=${a.clientId}`);
    expect(events.map((e) => e.type)).toEqual(['client.created', 'client.blocked', 'client.unblocked']);
  });

  it("records a transfer's statuses as transfer.<status> in snake case, in order", async () => {
    const a = await openAccount(api(), 'EUR', '100.00');
    const as = { token: await token('client', a.clientId) };
    const recipient = { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' };
    const created = await api().post('/Transfers/outgoing', { accountId: a.id, amount: '10', currency: 'EUR', recipient }, as);
    expect(created.status, created.text).toBe(201);
    const id = created.body.value.id as string;
    const notes = await api().get(`/internal/Notifications?clientId=${a.clientId}&limit=1`);
    const code = /code is (\d{6})/.exec(notes.body.value.items[0]?.body ?? '')?.[1];
    expect((await api().put(`/Transfers/outgoing/${id}/confirm`, { code }, as)).status).toBe(200);
    await expect
      .poll(async () => (await allEvents(`aggregateId=${id}`)).map((e) => e.type).at(-1), { timeout: 30_000, interval: 300 })
      .toBe('transfer.completed');
    const events = await allEvents(`aggregateId=${id}`);
    expect(events[0]).toMatchObject({
      type: 'transfer.pending_confirmation',
      clientId: a.clientId,
      data: { direction: 'outgoing', amount: '10.00' },
    });
    expect(events.map((e) => e.aggregate.sequence)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(events.map((e) => e.type)).size).toBe(events.length);
  });

  it('answers bad filters with 400 and an unknown event with 404', async () => {
    for (const query of ['types=payment', 'types=Payment.*', 'after=xyz', 'clientId=nope', 'limit=0']) {
      const res = await api().get(`/internal/Events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.errors[0].metadata.code).toBe('VALIDATION_ERROR');
    }
    expect((await api().get(`/internal/Events/${randomUUID()}`)).status).toBe(404);
  });
});
