import { randomUUID } from 'node:crypto';
import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { minorUnits } from '../../domain/currency';
import packageJson from '../../package.json';
import { token } from '../support/api';
import { balances, internalAccount, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

const api = useTestApi();

/**
 * A balance as the API prints it ("-1234.50", "1500") to exact minor units: no float, and none of
 * parseAmount's 10^15 cap, which is for amounts sent to the API (a sum of balances may exceed it).
 */
function minor(text: string, currency: string): bigint {
  const match = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/.exec(text);
  const digits = minorUnits(currency);
  if (!match || (match[3] ?? '').length !== digits) throw new Error(`not a ${currency} amount with ${digits} decimals: ${text}`);
  const value = BigInt(`${match[2]}${match[3] ?? ''}`);
  return match[1] ? -value : value;
}

const expectFailure = (res: { status: number; body: any }, status: number, code: string) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ isSuccess: false, isFailed: true, value: null });
  expect(res.body.errors[0].metadata.code).toBe(code);
  expect(res.body.reasons).toEqual(res.body.errors);
};

describe('envelope, auth and documents', () => {
  it('serves health, the OpenAPI 3.1 document and the docs page without a token', async () => {
    expect((await api().get('/health', { token: null })).body.value).toEqual({ status: 'ok', version: packageJson.version });
    const doc = await api().get('/openapi.json', { token: null });
    const spec = doc.body as unknown as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toBe('3.1.0');
    for (const path of [
      '/internal/Payments',
      '/internal/Payments/{paymentId}/pend',
      '/v2/ledger/internal/Accounts/search',
      '/internal/Transactions',
    ]) {
      expect(Object.keys(spec.paths)).toContain(path);
    }
    const docs = await api().app.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });

  it('answers unknown routes with a 404 envelope', async () => {
    expectFailure(await api().get('/internal/Nope'), 404, 'NOT_FOUND');
  });

  it('refuses missing, expired, forged and malformed tokens with 401', async () => {
    expectFailure(await api().get('/internal/Payments', { token: null }), 401, 'UNAUTHENTICATED');
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign(
      { sub: 's', role: 'system', iat: now - 100, exp: now - 10 },
      'corebank-local-development-secret-do-not-use-in-production',
      'HS256',
    );
    expectFailure(await api().get('/internal/Payments', { token: expired }), 401, 'UNAUTHENTICATED');
    const forged = await sign({ sub: 's', role: 'system', exp: now + 100 }, 'another-secret-of-at-least-32-characters!!', 'HS256');
    expectFailure(await api().get('/internal/Payments', { token: forged }), 401, 'UNAUTHENTICATED');
    expectFailure(await api().get('/internal/Payments', { token: 'not-a-jwt' }), 401, 'UNAUTHENTICATED');
    const noRole = await sign({ sub: 's', exp: now + 100 }, 'corebank-local-development-secret-do-not-use-in-production', 'HS256');
    expectFailure(await api().get('/internal/Payments', { token: noRole }), 401, 'UNAUTHENTICATED');
  });

  it('keeps clients out of system routes and system callers out of FrontOffice routes (403)', async () => {
    const client = await token('client', (await openAccount(api(), 'EUR')).clientId);
    expectFailure(await api().get('/internal/Payments', { token: client }), 403, 'FORBIDDEN');
    expectFailure(await api().get('/v2/ledger/internal/Accounts/getAggregatedAmounts', { token: client }), 403, 'FORBIDDEN');
    expectFailure(await api().get('/Accounts', { token: api().tokens.system }), 403, 'FORBIDDEN');
    expect((await api().get('/internal/Payments', { token: api().tokens.ops })).status).toBe(200);
  });

  it('turns malformed JSON, a wrong content type and an oversized body into 400/413 envelopes', async () => {
    expectFailure(await api().post('/internal/Payments', undefined, { rawBody: '{"amount": ' }), 400, 'VALIDATION_ERROR');
    expectFailure(await api().post('/internal/Payments', undefined, { rawBody: '[]' }), 400, 'VALIDATION_ERROR');
    expectFailure(
      await api().post('/internal/Payments', undefined, { rawBody: 'amount=1', headers: { 'content-type': 'text/plain' } }),
      400,
      'VALIDATION_ERROR',
    );
    expectFailure(await api().post(`/internal/Payments/${randomUUID()}/cancel`, undefined, { rawBody: '{nope' }), 400, 'VALIDATION_ERROR');
    const huge = JSON.stringify({ description: 'x'.repeat(2 * 1024 * 1024) });
    expectFailure(await api().post('/internal/Payments', undefined, { rawBody: huge }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses an Idempotency-Key longer than 255 characters', async () => {
    expectFailure(await api().post('/internal/Clients', {}, { headers: { 'Idempotency-Key': 'k'.repeat(256) } }), 400, 'VALIDATION_ERROR');
  });
});

describe('payments: every malformed request is a 4xx envelope, never a 500', () => {
  it.each([
    ['amount negative', { amount: '-1' }, 'amount'],
    ['amount zero', { amount: '0' }, 'amount'],
    ['exponent', { amount: '1e3' }, 'amount'],
    ['NaN', { amount: 'NaN' }, 'amount'],
    ['above 10^15', { amount: '1000000000000000.01' }, 'amount'],
    ['amount as object', { amount: { value: 1 } }, 'amount'],
    ['amount missing', { amount: undefined }, 'amount'],
    ['unknown currency', { currency: 'XXY' }, 'currency'],
    ['lower-case currency', { currency: 'eur' }, 'currency'],
    ['account id not a uuid', { debitAccountId: 'abc' }, 'debitAccountId'],
    ['account id SQL', { creditAccountId: "'; DROP TABLE accounts; --" }, 'creditAccountId'],
    ['description too long', { description: 'x'.repeat(501) }, 'description'],
  ])('POST /internal/Payments with %s -> 400 naming the field', async (_name, patch, field) => {
    const body = { debitAccountId: randomUUID(), creditAccountId: randomUUID(), amount: '1.00', currency: 'EUR', ...patch };
    const res = await api().post('/internal/Payments', body);
    expectFailure(res, 400, 'VALIDATION_ERROR');
    // The field at fault, not just any field.
    expect(res.body.errors[0].metadata.field).toBe(field);
  });

  // Well formed, but more decimals than the currency has: a rule of the currency (documented per
  // currency), 422 naming the field, as for an FX amount whose currency is its account's.
  it.each([
    ['too many decimals', { amount: '1.001' }],
    ['JPY with decimals', { currency: 'JPY', amount: '1.5' }],
  ])('POST /internal/Payments with %s -> 422 VALIDATION_ERROR naming the amount', async (_name, patch: object) => {
    const body = { debitAccountId: randomUUID(), creditAccountId: randomUUID(), currency: 'EUR', ...patch };
    const res = await api().post('/internal/Payments', body);
    expectFailure(res, 422, 'VALIDATION_ERROR');
    expect(res.body.errors[0].metadata.field).toBe('amount');
  });

  it('refuses bad ids, statuses, dates and cursors on reads', async () => {
    expectFailure(await api().get('/internal/Payments/not-a-uuid'), 400, 'VALIDATION_ERROR');
    expectFailure(await api().get(`/internal/Payments/${randomUUID()}`), 404, 'NOT_FOUND');
    expectFailure(await api().post(`/internal/Payments/${randomUUID()}/post`), 404, 'NOT_FOUND');
    expectFailure(await api().post('/internal/Payments/nope/pend'), 400, 'VALIDATION_ERROR');
    expectFailure(await api().get('/internal/Payments?status=Lost'), 400, 'VALIDATION_ERROR');
    expectFailure(await api().get('/internal/Payments?from=yesterday'), 400, 'VALIDATION_ERROR');
    expectFailure(await api().get('/internal/Payments?limit=501'), 400, 'VALIDATION_ERROR');
    expectFailure(await api().get('/internal/Payments?limit=0'), 400, 'VALIDATION_ERROR');
    expectFailure(await api().get('/internal/Payments?cursor=%%%'), 400, 'VALIDATION_ERROR');
    expectFailure(await api().get('/internal/Transactions?cursor=bm9wZQ'), 400, 'VALIDATION_ERROR');
    expectFailure(await api().get(`/internal/Transactions/${randomUUID()}`), 404, 'NOT_FOUND');
    expectFailure(await api().get('/internal/Transactions?type=refund'), 400, 'VALIDATION_ERROR');
    expectFailure(await api().post(`/internal/Payments/${randomUUID()}/pend`, { holdExpiresAt: 'soon' }), 400, 'VALIDATION_ERROR');
  });
});

describe('clients', () => {
  it('creates, reads, lists and searches clients', async () => {
    const email = `turing-${randomUUID()}@example.com`;
    const created = await api().post('/internal/Clients', {
      type: 'individual',
      firstName: 'Alan',
      lastName: 'Turing',
      email,
      country: 'GB',
    });
    expect(created.status).toBe(201);
    expect(created.body.value).toMatchObject({ type: 'individual', firstName: 'Alan', status: 'active', country: 'GB' });
    const fetched = await api().get(`/internal/Clients/${created.body.value.id}`);
    expect(fetched.body.value).toEqual(created.body.value);
    const found = await api().get(`/internal/Clients?search=${encodeURIComponent(email)}`);
    expect(found.body.value.items.map((c: { id: string }) => c.id)).toEqual([created.body.value.id]);
    const business = await api().post('/internal/Clients', {
      type: 'business',
      companyName: 'Analytical Engines Ltd',
      email: `ae-${randomUUID()}@example.com`,
      country: 'GB',
    });
    expect(business.status).toBe(201);
    const businesses = await api().get('/internal/Clients?type=business&limit=500');
    const listed = businesses.body.value.items as { id: string; type: string }[];
    // Not vacuous: the list holds the business just created (every() of an empty list is true),
    // and the individual created just before is filtered out.
    expect(listed.map((c) => c.id)).toContain(business.body.value.id);
    expect(listed.map((c) => c.id)).not.toContain(created.body.value.id);
    expect(listed.filter((c) => c.type !== 'business')).toEqual([]);
  });

  it('validates client fields and refuses a duplicate externalId', async () => {
    const base = { type: 'individual', firstName: 'A', lastName: 'B', email: 'a@example.com', country: 'DE' };
    const field = async (patch: Record<string, unknown>) =>
      (await api().post('/internal/Clients', { ...base, ...patch })).body.errors[0].metadata.field;
    expect(await field({ lastName: undefined })).toBe('lastName');
    expect(await field({ email: 'not-an-email' })).toBe('email');
    expect(await field({ country: 'XX' })).toBe('country');
    expect(await field({ country: 'de' })).toBe('country');
    expect(await field({ type: 'trust' })).toBe('type');
    expect(await field({ type: 'business' })).toBe('companyName');
    const externalId = randomUUID();
    expect((await api().post('/internal/Clients', { ...base, externalId })).status).toBe(201);
    expectFailure(await api().post('/internal/Clients', { ...base, externalId }), 409, 'ALREADY_EXISTS');
    expectFailure(await api().get(`/internal/Clients/${randomUUID()}`), 404, 'NOT_FOUND');
  });
});

describe('accounts and transactions', () => {
  it('opens accounts with 12-digit Luhn account numbers and reads the ledger view', async () => {
    const { id } = await openAccount(api(), 'JPY', '1500');
    const account = (await api().get(`/v2/ledger/internal/Accounts/${id}`)).body.value;
    expect(account).toMatchObject({ currency: 'JPY', kind: 'client', purpose: 'current', balance: '1500', available: '1500', held: '0' });
    expect(account.accountNumber).toMatch(/^\d{12}$/);
    const digits = account.accountNumber.split('').reverse().map(Number);
    const luhn = digits.reduce((sum: number, d: number, i: number) => sum + (i % 2 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
    expect(luhn % 10).toBe(0);
    const byNumber = await api().post('/v2/ledger/internal/Accounts/search', { accountNumbers: [account.accountNumber] });
    expect(byNumber.body.value.items.map((a: { id: string }) => a.id)).toEqual([id]);
  });

  it('refuses bad account requests', async () => {
    const { clientId } = await openAccount(api(), 'EUR');
    expectFailure(
      await api().post('/v2/internal/Accounts', { clientId: randomUUID(), currency: 'EUR', purpose: 'current', name: 'x' }),
      404,
      'NOT_FOUND',
    );
    expectFailure(
      await api().post('/v2/internal/Accounts', { clientId, currency: 'AUD', purpose: 'current', name: 'x' }),
      422,
      'CURRENCY_NOT_SUPPORTED',
    );
    expectFailure(
      await api().post('/v2/internal/Accounts', { clientId, currency: 'EUR', purpose: 'settlement', name: 'x' }),
      400,
      'VALIDATION_ERROR',
    );
    expectFailure(
      await api().post('/v2/internal/Accounts', { kind: 'internal', currency: 'EUR', purpose: 'current', name: 'x' }),
      400,
      'VALIDATION_ERROR',
    );
    expectFailure(
      await api().post('/v2/internal/Accounts', { kind: 'internal', currency: 'EUR', purpose: 'suspense', name: 'x' }),
      409,
      'ALREADY_EXISTS',
    );
    expectFailure(
      await api().post('/v2/internal/Accounts', { clientId, currency: 'EUR', purpose: 'current', name: '' }),
      400,
      'VALIDATION_ERROR',
    );
    expectFailure(await api().post('/v2/ledger/internal/Accounts/search', { minBalance: '1' }), 400, 'VALIDATION_ERROR');
    expectFailure(
      await api().post('/v2/ledger/internal/Accounts/search', { currency: 'EUR', minBalance: '1.001' }),
      422,
      'VALIDATION_ERROR',
    );
    expectFailure(await api().get(`/v2/ledger/internal/Accounts/${randomUUID()}`), 404, 'NOT_FOUND');
    expectFailure(
      await api().post('/internal/Accounts/calculateBalances', { accountIds: [randomUUID()], asOf: new Date().toISOString() }),
      404,
      'NOT_FOUND',
    );
    expectFailure(
      await api().post('/internal/Accounts/calculateBalances', { accountIds: [], asOf: new Date().toISOString() }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('filters accounts by balance range and aggregates amounts per currency', async () => {
    const rich = await openAccount(api(), 'GBP', '1000000.00');
    // Money as exact minor units, never through a float.
    const gbp = (amount: string) => minor(amount, 'GBP');
    const found = await api().post('/v2/ledger/internal/Accounts/search', { currency: 'GBP', kind: 'client', minBalance: '999999.99' });
    const items = found.body.value.items as { id: string; currency: string; kind: string; balance: string }[];
    expect(items.map((a) => a.id)).toContain(rich.id);
    // The filter filters: nothing below the minimum, of another currency or kind.
    expect(items.filter((a) => a.currency !== 'GBP' || a.kind !== 'client' || gbp(a.balance) < 99_999_999n)).toEqual([]);
    const aggregated = await api().get('/v2/ledger/internal/Accounts/getAggregatedAmounts?currency=GBP');
    const rows = aggregated.body.value as { kind: string; purpose: string; balance: string }[];
    // Double entry: the balances of all GBP accounts sum to zero (a sum over no rows would be zero too).
    const clientRow = rows.find((r) => r.kind === 'client' && r.purpose === 'current');
    const settlementRow = rows.find((r) => r.kind === 'internal' && r.purpose === 'settlement');
    expect(gbp(clientRow?.balance ?? '0')).toBeGreaterThanOrEqual(100_000_000n);
    expect(gbp(settlementRow?.balance ?? '0')).toBeLessThanOrEqual(-100_000_000n);
    expect(rows.reduce((sum, r) => sum + gbp(r.balance), 0n)).toBe(0n);
  });

  it('lists an account statement, reads one entry, recalculates and computes past balances', async () => {
    const a = await openAccount(api(), 'EUR', '10.00');
    const b = await openAccount(api(), 'EUR');
    const asOfBefore = new Date().toISOString();
    await api().post('/internal/Payments', { debitAccountId: a.id, creditAccountId: b.id, amount: '4', currency: 'EUR' });
    const list = await api().get(`/internal/Transactions?accountId=${a.id}&limit=1`);
    expect(list.body.value.items).toHaveLength(1);
    expect(list.body.value.items[0]).toMatchObject({ amount: '4.00', type: 'posted', debitAccountId: a.id });
    const next = await api().get(`/internal/Transactions?accountId=${a.id}&limit=1&cursor=${list.body.value.nextCursor}`);
    expect(next.body.value.items[0]).toMatchObject({ amount: '10.00', creditAccountId: a.id });
    const one = await api().get(`/internal/Transactions/${list.body.value.items[0].id}`);
    expect(one.body.value).toEqual(list.body.value.items[0]);
    const queried = await api().post('/internal/Transactions/query', { accountIds: [a.id, b.id], type: 'posted' });
    expect(queried.body.value.items).toHaveLength(2);

    const recalculated = await api().post('/v2/internal/Accounts/recalculate', { accountIds: [a.id, b.id] });
    expect(recalculated.body.value).toEqual({ checked: 2, differences: [] });
    const past = await api().post('/internal/Accounts/calculateBalances', { accountIds: [a.id], asOf: asOfBefore });
    expect(past.body.value[0]).toMatchObject({ accountId: a.id, balance: '10.00', currency: 'EUR' });
    expect(await balances(api(), a.id)).toMatchObject({ balance: '6.00' });
    const settlement = await internalAccount(api(), 'EUR', 'settlement');
    // The settlement account funded every EUR account, so it is below zero (internal accounts may be).
    expect(minor((await balances(api(), settlement.id)).balance, 'EUR')).toBeLessThan(0n);
  });
});
