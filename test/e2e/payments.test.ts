import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import type { operations, Schemas } from '../../client';
import { balances, openAccount } from '../support/bankFixtures';
import { send, useHttpApi } from '../support/http';

// Every request of this suite goes over real HTTP through the typed client (client/); the account
// fixtures and the balance reads use the same app in-process.
const { api, client } = useHttpApi();
const http = () => client();

type NewPayment = Schemas['CreatePayment'];
const create = (body: NewPayment, idempotencyKey?: string) =>
  send(http().POST('/internal/Payments', { body, params: { header: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} } }));
const draft = (from: string, to: string, amount: string, extra: Partial<NewPayment> = {}) =>
  send(http().POST('/internal/Payments/draft', { body: { debitAccountId: from, creditAccountId: to, amount, currency: 'EUR', ...extra } }));
const byId = (paymentId: string) => ({ params: { path: { paymentId } } });
const get = (id: string) => send(http().GET('/internal/Payments/{paymentId}', byId(id)));
const pend = (id: string, body?: Schemas['PendPayment']) => send(http().POST('/internal/Payments/{paymentId}/pend', { ...byId(id), body }));
const post = (id: string) => send(http().POST('/internal/Payments/{paymentId}/post', byId(id)));
const cancel = (id: string, body?: Schemas['CancelPayment']) =>
  send(http().POST('/internal/Payments/{paymentId}/cancel', { ...byId(id), body }));
const act = (id: string, action: 'pend' | 'post' | 'cancel') => ({ pend, post, cancel })[action](id);
const list = (query: operations['listPayments']['parameters']['query']) => send(http().GET('/internal/Payments', { params: { query } }));

describe('payments over HTTP with the real worker', () => {
  it('creates a payment at once: 201 Posted, the money moved, one posted transaction', async () => {
    const a = await openAccount(api(), 'EUR', '100.00');
    const b = await openAccount(api(), 'EUR');
    const res = await create({
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '25.5',
      currency: 'EUR',
      description: 'rent',
      reference: 'INV-1',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ isSuccess: true, isFailed: false, errors: [] });
    expect(res.body.value).toMatchObject({ status: 'Posted', amount: '25.50', currency: 'EUR', description: 'rent', reference: 'INV-1' });
    expect(res.body.value.transactions).toHaveLength(1);
    expect(res.body.value.transactions[0]).toMatchObject({ type: 'posted', amount: '25.50', debitAccountId: a.id, creditAccountId: b.id });
    expect(await balances(api(), a.id)).toMatchObject({ balance: '74.50', available: '74.50' });
    expect(await balances(api(), b.id)).toMatchObject({ balance: '25.50' });

    const fetched = await get(res.body.value.id);
    expect(fetched.status).toBe(200);
    expect(fetched.body.value).toEqual(res.body.value);

    // The Temporal UI lists it by its search attributes (visibility is eventually consistent).
    const query = `PaymentStatus = 'Posted' AND AccountId = '${b.id}'`;
    let found: string[] = [];
    for (let i = 0; i < 50 && found.length === 0; i++) {
      found = [];
      for await (const wf of api().temporal.workflow.list({ query })) found.push(wf.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toEqual([`payment-${res.body.value.id}`]);
  });

  it('refuses an immediate payment beyond available with 422 and leaves no trace', async () => {
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    const res = await create({ debitAccountId: a.id, creditAccountId: b.id, amount: '10.01', currency: 'EUR' });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].metadata.code).toBe('INSUFFICIENT_FUNDS');
    const listed = await list({ accountId: b.id });
    expect(listed.body.value.items).toEqual([]);
    expect(await balances(api(), a.id)).toMatchObject({ balance: '10.00', held: '0.00' });
  });

  it('goes draft -> pend -> post, holding then moving the funds', async () => {
    const a = await openAccount(api(), 'EUR', '50.00');
    const b = await openAccount(api(), 'EUR');
    const created = await draft(a.id, b.id, '20');
    expect(created.status).toBe(201);
    expect(created.body.value).toMatchObject({ status: 'Draft', transactions: [] });
    expect(await balances(api(), a.id)).toMatchObject({ available: '50.00', held: '0.00' });
    const id = created.body.value.id;

    // An empty body with a JSON content type, as many clients send it, means no options.
    const pended = await send(
      http().POST('/internal/Payments/{paymentId}/pend', {
        ...byId(id),
        body: {},
        bodySerializer: () => '',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(pended.status, JSON.stringify(pended.body)).toBe(200);
    expect(pended.body.value.status).toBe('Pending');
    expect(Date.parse(pended.body.value.holdExpiresAt) - Date.now()).toBeGreaterThan(6 * 24 * 3600 * 1000);
    expect(await balances(api(), a.id)).toMatchObject({ balance: '50.00', held: '20.00', available: '30.00' });
    expect(await balances(api(), b.id)).toMatchObject({ balance: '0.00', incoming: '20.00' });

    const posted = await post(id);
    expect(posted.status).toBe(200);
    expect(posted.body.value.status).toBe('Posted');
    expect(posted.body.value.transactions.map((t: { type: string }) => t.type)).toEqual(['pending', 'post_pending']);
    expect(await balances(api(), a.id)).toMatchObject({ balance: '30.00', held: '0.00', available: '30.00' });
    expect(await balances(api(), b.id)).toMatchObject({ balance: '20.00', incoming: '0.00' });

    const again = await post(id);
    expect(again.status).toBe(200);
    expect(again.body.value).toEqual(posted.body.value);
  });

  it('cancels a draft without moving money', async () => {
    const a = await openAccount(api(), 'EUR', '5.00');
    const b = await openAccount(api(), 'EUR');
    const { id } = (await draft(a.id, b.id, '5')).body.value;
    const cancelled = await cancel(id, { reason: 'customer changed mind' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.value).toMatchObject({ status: 'Cancelled', cancelReason: 'customer changed mind', transactions: [] });
    // "Without moving money": nothing held or moved on either side.
    expect(await balances(api(), a.id)).toEqual({ balance: '5.00', held: '0.00', incoming: '0.00', available: '5.00' });
    expect(await balances(api(), b.id)).toEqual({ balance: '0.00', held: '0.00', incoming: '0.00', available: '0.00' });
  });

  it('cancels a pending payment: the payback restores available', async () => {
    const a = await openAccount(api(), 'EUR', '40.00');
    const b = await openAccount(api(), 'EUR');
    const { id } = (await draft(a.id, b.id, '15.25')).body.value;
    await pend(id);
    expect(await balances(api(), a.id)).toMatchObject({ available: '24.75' });
    const cancelled = await cancel(id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.value.status).toBe('Cancelled');
    expect(cancelled.body.value.transactions.map((t: { type: string }) => t.type)).toEqual(['pending', 'void_pending']);
    expect(await balances(api(), a.id)).toMatchObject({ balance: '40.00', held: '0.00', available: '40.00' });
    expect(await balances(api(), b.id)).toMatchObject({ balance: '0.00', incoming: '0.00' });
  });

  it('answers 422 INSUFFICIENT_FUNDS to a pend beyond available, and the payment can pend once funded', async () => {
    const a = await openAccount(api(), 'EUR', '1.00');
    const b = await openAccount(api(), 'EUR');
    const { id } = (await draft(a.id, b.id, '2.00')).body.value;
    const refused = await pend(id);
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].metadata.code).toBe('INSUFFICIENT_FUNDS');
    expect((await get(id)).body.value.status).toBe('Draft');

    const topUp = await openAccount(api(), 'EUR', '5.00');
    expect((await create({ debitAccountId: topUp.id, creditAccountId: a.id, amount: '1', currency: 'EUR' })).status).toBe(201);
    const pended = await pend(id);
    expect(pended.status).toBe(200);
    expect(pended.body.value.status).toBe('Pending');
  });

  it('answers every invalid transition with 422 INVALID_STATE_TRANSITION', async () => {
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    const expectInvalid = async (id: string, action: 'pend' | 'post' | 'cancel', from: string) => {
      const res = await act(id, action);
      expect(res.status, `${action} from ${from}`).toBe(422);
      expect(res.body.errors[0].metadata).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from, action });
    };
    const d = (await draft(a.id, b.id, '1')).body.value.id;
    await expectInvalid(d, 'post', 'Draft');

    const posted = (await create({ debitAccountId: a.id, creditAccountId: b.id, amount: '1', currency: 'EUR' })).body.value.id;
    await expectInvalid(posted, 'pend', 'Posted');
    await expectInvalid(posted, 'cancel', 'Posted');

    const cancelled = (await draft(a.id, b.id, '1')).body.value.id;
    await cancel(cancelled);
    await expectInvalid(cancelled, 'pend', 'Cancelled');
    await expectInvalid(cancelled, 'post', 'Cancelled');
    expect((await cancel(cancelled)).status).toBe(200);

    const pending = (await draft(a.id, b.id, '1')).body.value.id;
    await pend(pending);
    expect((await pend(pending)).status).toBe(200);
    await post(pending);
    await expectInvalid(pending, 'cancel', 'Posted');
  });

  it('cancels a pending payment by itself when its hold expires', async () => {
    const a = await openAccount(api(), 'EUR', '30.00');
    const b = await openAccount(api(), 'EUR');
    const { id } = (await draft(a.id, b.id, '30')).body.value;
    const pended = await pend(id, { holdExpiresAt: new Date(Date.now() + 1500).toISOString() });
    expect(pended.body.value.status).toBe('Pending');
    expect(await balances(api(), a.id)).toMatchObject({ available: '0.00' });
    const deadline = Date.now() + 20_000;
    let status = 'Pending';
    while (status === 'Pending' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await get(id)).body.value.status;
    }
    const payment = (await get(id)).body.value;
    expect(payment).toMatchObject({ status: 'Cancelled', cancelReason: 'hold expired' });
    expect(await balances(api(), a.id)).toMatchObject({ balance: '30.00', available: '30.00', held: '0.00' });
    expect((await post(id)).status).toBe(422);
  });

  it('handles concurrent actions on one payment: exactly one of post and cancel wins', async () => {
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    const { id } = (await draft(a.id, b.id, '10')).body.value;
    await pend(id);
    const [posted, cancelled] = await Promise.all([post(id), cancel(id)]);
    expect([posted.status, cancelled.status].sort()).toEqual([200, 422]);
    const final = (await get(id)).body.value;
    // The action that got the 200 is the one that happened (the balance check below follows the
    // final status, so on its own it would pass whichever won).
    expect(final.status).toBe(posted.status === 200 ? 'Posted' : 'Cancelled');
    expect(final.transactions.map((t: { type: string }) => t.type)).toEqual(
      final.status === 'Posted' ? ['pending', 'post_pending'] : ['pending', 'void_pending'],
    );
    const a2 = await balances(api(), a.id);
    expect(a2.held).toBe('0.00');
    expect(a2.balance).toBe(final.status === 'Posted' ? '0.00' : '10.00');
  });

  it('replays an Idempotency-Key: same body -> same answer; other body -> 409', async () => {
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    const key = randomUUID();
    const body: NewPayment = { debitAccountId: a.id, creditAccountId: b.id, amount: '3.00', currency: 'EUR' };
    const first = await create(body, key);
    const second = await create(body, key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    // The first response, byte for byte (a regression: a jsonb copy reordered its keys).
    expect(second.text).toBe(first.text);
    expect(await balances(api(), a.id)).toMatchObject({ balance: '7.00' });

    const other = await create({ ...body, amount: '4.00' }, key);
    expect(other.status).toBe(409);
    expect(other.body.errors[0].metadata.code).toBe('IDEMPOTENCY_KEY_REUSED');

    // Ten concurrent retries of a new key: one payment.
    const key2 = randomUUID();
    const answers = await Promise.all(Array.from({ length: 10 }, () => create(body, key2)));
    expect(new Set(answers.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(answers.map((r) => r.body.value.id)).size).toBe(1);
    expect(await balances(api(), a.id)).toMatchObject({ balance: '4.00' });
  });

  it('replays a stored 422 for the same key', async () => {
    const a = await openAccount(api(), 'EUR', '1.00');
    const b = await openAccount(api(), 'EUR');
    const key = randomUUID();
    const body: NewPayment = { debitAccountId: a.id, creditAccountId: b.id, amount: '2.00', currency: 'EUR' };
    const first = await create(body, key);
    const second = await create(body, key);
    expect(first.status).toBe(422);
    expect(second.status).toBe(422);
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
  });

  it('lists payments with filters and cursor paging', async () => {
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await draft(a.id, b.id, '1')).body.value.id);
    await create({ debitAccountId: a.id, creditAccountId: b.id, amount: '1', currency: 'EUR' });
    const drafts = await list({ accountId: b.id, status: 'Draft', limit: 2 });
    expect(drafts.status).toBe(200);
    expect(drafts.body.value.items.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]]);
    const next = await list({ accountId: b.id, status: 'Draft', limit: 2, cursor: drafts.body.value.nextCursor });
    expect(next.body.value.items.map((p: { id: string }) => p.id)).toEqual([ids[0]]);
    expect(next.body.value.nextCursor).toBeNull();
  });

  it('refuses payments that break ledger rules with the same codes: a draft before it exists, a payment at once in its ledger step', async () => {
    const eur = await openAccount(api(), 'EUR', '10.00');
    const gbp = await openAccount(api(), 'GBP', '10.00');
    const paymentsOf = async (accountId: string) => (await list({ accountId })).body.value.items.map((p: { id: string }) => p.id);
    const fundings = await paymentsOf(eur.id);
    const cases: [NewPayment, number, string][] = [
      [{ debitAccountId: eur.id, creditAccountId: eur.id, amount: '1', currency: 'EUR' }, 422, 'SAME_ACCOUNT'],
      [{ debitAccountId: eur.id, creditAccountId: gbp.id, amount: '1', currency: 'EUR' }, 422, 'CURRENCY_MISMATCH'],
      [{ debitAccountId: eur.id, creditAccountId: randomUUID(), amount: '1', currency: 'EUR' }, 404, 'NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      for (const path of ['/internal/Payments', '/internal/Payments/draft'] as const) {
        const res = await send(http().POST(path, { body }));
        expect(res.status, `${path} ${code}`).toBe(status);
        expect(res.body.errors[0].metadata.code).toBe(code);
      }
    }
    // Refused by the ledger step or before it: no payment, no money moved.
    expect(await paymentsOf(eur.id)).toEqual(fundings);
    expect(await balances(api(), eur.id)).toMatchObject({ balance: '10.00', held: '0.00' });
    expect(await balances(api(), gbp.id)).toMatchObject({ balance: '10.00', held: '0.00' });
  });
});
