import { randomUUID } from 'node:crypto';
import { isValidIBAN } from 'ibantools';
import { describe, expect, it } from 'vitest';
import { token } from '../support/api';
import { balances, internalAccount, lastCode, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

const api = useTestApi();

const iban = 'DE89370400440532013000';
const recipient = { name: 'Jane Roe', iban, country: 'DE', currency: 'EUR' };
const asClient = async (clientId: string) => ({ token: await token('client', clientId) });

describe('the client profile', () => {
  it('changes profile fields and limits, never type or externalId, and shows the caller its own profile', async () => {
    const a = await openAccount(api(), 'EUR');
    const updated = await api().put(`/internal/Clients/${a.clientId}`, {
      email: 'new@example.com',
      limits: { EUR: { perTransfer: '500.00', daily: '1000' } },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.value).toMatchObject({ email: 'new@example.com', limits: { EUR: { perTransfer: '500.00', daily: '1000' } } });
    for (const body of [{ type: 'business' }, { externalId: 'x' }]) {
      expect((await api().put(`/internal/Clients/${a.clientId}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    // A limit with more decimals than its currency has: a rule of the currency (422).
    expect((await api().put(`/internal/Clients/${a.clientId}`, { limits: { EUR: { perTransfer: '1.001' } } })).status).toBe(422);
    expect((await api().put(`/internal/Clients/${a.clientId}`, { limits: { AUD: { daily: '1' } } })).status).toBe(422);
    const own = await api().get('/Client', await asClient(a.clientId));
    expect(own.body.value).toMatchObject({ id: a.clientId, email: 'new@example.com' });
    expect((await api().put(`/internal/Clients/${randomUUID()}`, { email: 'x@example.com' })).status).toBe(404);
  });

  it('blocks and unblocks idempotently: no debit, transfer or payment while blocked, money still comes in', async () => {
    const a = await openAccount(api(), 'EUR', '50.00');
    const b = await openAccount(api(), 'EUR');
    for (let i = 0; i < 2; i++) {
      const blocked = await api().put(`/internal/Clients/${a.clientId}/block`, { reason: 'KYC review' });
      expect(blocked.body.value).toMatchObject({ status: 'blocked', blockReason: 'KYC review' });
    }
    // The repeated block changed nothing: one change in the history.
    expect((await api().get(`/internal/Clients/${a.clientId}/status`)).body.value).toEqual({
      status: 'blocked',
      reason: 'KYC review',
      history: [{ status: 'blocked', reason: 'KYC review', at: expect.any(String), actor: { role: 'system', sub: 'test-system' } }],
    });
    const pay = await api().post('/internal/Payments', { debitAccountId: a.id, creditAccountId: b.id, amount: '1', currency: 'EUR' });
    expect(pay.status).toBe(422);
    expect(pay.body.errors[0].metadata.code).toBe('CLIENT_BLOCKED');
    const transfer = await api().post(
      '/Transfers/outgoing',
      { accountId: a.id, amount: '1', currency: 'EUR', recipient },
      await asClient(a.clientId),
    );
    expect(transfer.body.errors[0].metadata.code).toBe('CLIENT_BLOCKED');
    const into = await api().post('/internal/Payments', { debitAccountId: b.id, creditAccountId: a.id, amount: '0.01', currency: 'EUR' });
    expect(into.status).toBe(422); // b has nothing; fund it from settlement instead
    const settlement = await internalAccount(api(), 'EUR', 'settlement');
    const credit = await api().post('/internal/Payments', {
      debitAccountId: settlement.id,
      creditAccountId: a.id,
      amount: '2',
      currency: 'EUR',
    });
    expect(credit.status, credit.text).toBe(201);
    for (let i = 0; i < 2; i++) expect((await api().put(`/internal/Clients/${a.clientId}/unblock`)).body.value.status).toBe('active');
    const history = (await api().get(`/internal/Clients/${a.clientId}/status`)).body.value.history;
    expect(history.map((h: { status: string; reason: string | null }) => [h.status, h.reason])).toEqual([
      ['blocked', 'KYC review'],
      ['active', null],
    ]);
    expect(
      (await api().post('/internal/Payments', { debitAccountId: a.id, creditAccountId: b.id, amount: '1', currency: 'EUR' })).status,
    ).toBe(201);
  });

  it('a block racing 100 concurrent payments: none debits after the block has committed', async () => {
    const a = await openAccount(api(), 'EUR', '1000.00');
    const b = await openAccount(api(), 'EUR');
    const pay = () => api().post('/internal/Payments', { debitAccountId: a.id, creditAccountId: b.id, amount: '1', currency: 'EUR' });
    const early = Array.from({ length: 50 }, pay);
    const blocked = await api().put(`/internal/Clients/${a.clientId}/block`, { reason: 'race' });
    expect(blocked.status).toBe(200);
    const [{ committedBy }] = await api().sql<[{ committedBy: Date }]>`SELECT clock_timestamp() AS committed_by`;
    const late = await Promise.all(Array.from({ length: 50 }, pay));
    const answers = [...(await Promise.all(early)), ...late];
    expect(answers.filter((r) => ![201, 422].includes(r.status)).map((r) => r.text)).toEqual([]);
    expect(late.map((r) => r.status)).toEqual(Array(50).fill(422));
    const debits = await api().sql<{ createdAt: Date }[]>`SELECT created_at FROM journal_entries WHERE debit_account_id = ${a.id}`;
    expect(debits.length).toBe(answers.filter((r) => r.status === 201).length);
    for (const d of debits) expect(d.createdAt.getTime()).toBeLessThanOrEqual(committedBy.getTime());
    expect((await balances(api(), a.id)).balance).toBe(`${1000 - debits.length}.00`);
    await api().put(`/internal/Clients/${a.clientId}/unblock`);
  });

  it('onboards once, whatever the number of concurrent repeats; a repeat with other fields is 409', async () => {
    const externalId = `onb-${randomUUID()}`;
    const body = {
      externalId,
      type: 'individual',
      firstName: 'Ada',
      lastName: 'L',
      email: 'ada@example.com',
      country: 'GB',
      currencies: ['EUR', 'GBP'],
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => api().post('/internal/Onboarding/completed', body)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(answers.map((r) => r.body.value.client.id));
    expect(ids.size).toBe(1);
    const [clientId] = [...ids];
    const accounts = await api().sql<
      { currency: string; iban: string }[]
    >`SELECT currency, iban FROM accounts WHERE client_id = ${clientId} ORDER BY currency`;
    expect(accounts.map((a) => a.currency)).toEqual(['EUR', 'GBP']);
    for (const a of accounts) expect(isValidIBAN(a.iban)).toBe(true);
    const other = await api().post('/internal/Onboarding/completed', { ...body, email: 'other@example.com' });
    expect(other.status).toBe(409);
    expect(other.body.errors[0].metadata.code).toBe('EXISTS_WITH_DIFFERENT_FIELDS');
  });
});

describe('transfer limits', () => {
  it('20 concurrent transfers against a daily limit: the accepted ones sum to at most the limit', async () => {
    const a = await openAccount(api(), 'EUR', '1000.00');
    await api().put(`/internal/Clients/${a.clientId}`, { limits: { EUR: { perTransfer: '100.00', daily: '100.00' } } });
    const as = await asClient(a.clientId);
    const over = await api().post('/Transfers/outgoing', { accountId: a.id, amount: '100.01', currency: 'EUR', recipient }, as);
    expect(over.body.errors[0].metadata).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: '100.00', used: '0.00' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        api().post('/Transfers/outgoing', { accountId: a.id, amount: '15.00', currency: 'EUR', recipient }, as),
      ),
    );
    const accepted = answers.filter((r) => r.status === 201);
    expect(accepted.length).toBe(6); // 6 x 15 = 90 <= 100 < 105
    for (const r of answers.filter((x) => x.status !== 201))
      expect(r.body.errors[0].metadata).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: '100.00' });
    // Cancelled transfers give their room back.
    expect((await api().request('DELETE', `/Transfers/outgoing/${accepted[0]?.body.value.id}`, undefined, as)).status).toBe(200);
    expect((await api().post('/Transfers/outgoing', { accountId: a.id, amount: '10.00', currency: 'EUR', recipient }, as)).status).toBe(
      201,
    );
  });
});

describe('front-office accounts', () => {
  it('opens with an IBAN, lists by display order, finds by id, number or IBAN, renames and reorders', async () => {
    const a = await openAccount(api(), 'EUR');
    const as = await asClient(a.clientId);
    const opened = await api().post('/Accounts', { currency: 'USD', name: 'Travel', purpose: 'savings' }, as);
    expect(opened.status, opened.text).toBe(201);
    expect(isValidIBAN(opened.body.value.iban)).toBe(true);
    expect(opened.body.value.iban).toContain(opened.body.value.accountNumber);
    const list = (await api().get('/Accounts', as)).body.value.map((x: { id: string }) => x.id);
    expect(list).toEqual([a.id, opened.body.value.id]);
    for (const key of [opened.body.value.id, opened.body.value.accountNumber, opened.body.value.iban]) {
      expect((await api().get(`/Accounts/${key}`, as)).body.value.id).toBe(opened.body.value.id);
    }
    const stranger = await openAccount(api(), 'EUR');
    expect((await api().get(`/Accounts/${opened.body.value.id}`, await asClient(stranger.clientId))).status).toBe(404);
    expect((await api().request('PATCH', `/Accounts/${opened.body.value.id}`, { name: 'Holidays' }, as)).body.value.name).toBe('Holidays');
    // Well formed, but not the caller's full list: a rule of its accounts (422).
    expect((await api().put('/Accounts/reorder-accounts', { accountIds: [opened.body.value.id] }, as)).status).toBe(422);
    const reordered = await api().put('/Accounts/reorder-accounts', { accountIds: [opened.body.value.id, a.id] }, as);
    expect(reordered.body.value.map((x: { id: string }) => x.id)).toEqual([opened.body.value.id, a.id]);
  });

  it('closes only with a fresh token for that account, only when empty; a token works once', async () => {
    const a = await openAccount(api(), 'EUR', '5.00');
    const as = await asClient(a.clientId);
    const empty = (await api().post('/Accounts', { currency: 'EUR', name: 'Spare', purpose: 'savings' }, as)).body.value.id as string;
    const tokenFor = async (accountId: string) => {
      const sent = await api().post('/Accounts/send-otp', { operation: 'close', accountId }, as);
      expect(sent.status, sent.text).toBe(201);
      const verified = await api().post(
        '/Accounts/otp-verification',
        { otpId: sent.body.value.otpId, code: await lastCode(api(), a.clientId) },
        as,
      );
      expect(verified.status, verified.text).toBe(200);
      return verified.body.value.otpToken as string;
    };
    const close = (accountId: string, otpToken?: string) =>
      api().request('DELETE', `/Accounts/${accountId}`, undefined, { ...as, headers: otpToken ? { 'X-Otp-Token': otpToken } : {} });

    expect((await close(empty)).body.errors[0].metadata.code).toBe('OTP_INVALID');
    const forFunded = await tokenFor(a.id);
    expect((await close(empty, forFunded)).body.errors[0].metadata.code).toBe('OTP_INVALID'); // bound to its account
    expect((await close(a.id, forFunded)).body.errors[0].metadata.code).toBe('ACCOUNT_NOT_EMPTY');
    const token = await tokenFor(empty);
    const closed = await close(empty, token);
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.value.status).toBe('closed');
    expect((await close(empty, token)).status).toBe(422); // used
    // A closed account takes no money: incoming for it goes to suspense.
    const number = closed.body.value.accountNumber;
    const incoming = await api().post('/internal/IncomingRequests', {
      providerReference: `PR-${randomUUID()}`,
      amount: '1',
      currency: 'EUR',
      receiverAccountNumber: number,
    });
    expect(incoming.body.value.status).toBe('Unrecognized');
  });

  it('a blocked account refuses debits and still takes credits', async () => {
    const a = await openAccount(api(), 'EUR', '5.00');
    const b = await openAccount(api(), 'EUR', '5.00');
    expect((await api().put(`/internal/Accounts/${a.id}/block`)).body.value.status).toBe('blocked');
    const out = await api().post('/internal/Payments', { debitAccountId: a.id, creditAccountId: b.id, amount: '1', currency: 'EUR' });
    expect(out.body.errors[0].metadata.code).toBe('ACCOUNT_NOT_ACTIVE');
    expect(
      (await api().post('/internal/Payments', { debitAccountId: b.id, creditAccountId: a.id, amount: '1', currency: 'EUR' })).status,
    ).toBe(201);
    expect((await api().put(`/internal/Accounts/${a.id}/unblock`)).body.value.status).toBe('active');
    expect((await balances(api(), a.id)).balance).toBe('6.00');
  });
});
