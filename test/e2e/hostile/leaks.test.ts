import { describe, expect, it } from 'vitest';
import { hasValidCheckDigit, luhnCheckDigit, randomAccountNumber } from '../../../domain/accountNumber';
import { token } from '../../support/api';
import { openAccount } from '../../support/bankFixtures';
import { useTestApi } from '../../support/suite';

/**
 * Hostile callers, leaks through answers: another client's account says no more than that a
 * transfer cannot be made to it, account numbers cannot be enumerated, and dates at the end of
 * the calendar are 400, never 500.
 */
const api = useTestApi();

async function account(currency: string, funding?: string) {
  const a = await openAccount(api(), currency, funding);
  const number = (await api().get(`/v2/ledger/internal/Accounts/${a.id}`)).body.value.accountNumber as string;
  const iban = (await api().get(`/v2/ledger/internal/Accounts/${a.id}`)).body.value.iban as string;
  return { ...a, number, iban, as: { token: await token('client', a.clientId) } };
}

describe("another client's account tells nothing about itself", () => {
  it('a transfer to its account number or IBAN in another currency: 422 without the currency', async () => {
    const payer = await account('EUR', '50.00');
    for (const currency of ['USD', 'GBP', 'CHF']) {
      const other = await account(currency);
      for (const recipient of [
        { name: 'R', accountNumber: other.number, country: 'CH', currency: 'EUR' },
        { name: 'R', iban: other.iban, country: 'CH', currency: 'EUR' },
      ]) {
        const res = await api().post('/Transfers/outgoing', { accountId: payer.id, amount: '1.00', currency: 'EUR', recipient }, payer.as);
        expect(res.status, res.text).toBe(422);
        expect(res.text).not.toContain(currency);
        expect(res.body.errors[0].message).toBe('the transfer cannot be made to this account');
        expect(res.body.errors[0].metadata).not.toHaveProperty('field', 'currency');
      }
    }
  });

  it('the caller’s own account in another currency may still name its currency', async () => {
    const payer = await account('EUR', '50.00');
    const own = await api().post('/v2/internal/Accounts', { clientId: payer.clientId, currency: 'USD', purpose: 'current', name: 'USD' });
    const res = await api().post(
      '/Transfers/outgoing',
      {
        accountId: payer.id,
        amount: '1.00',
        currency: 'EUR',
        recipient: { name: 'Me', accountNumber: own.body.value.accountNumber, country: 'CH', currency: 'EUR' },
      },
      payer.as,
    );
    expect(res.status).toBe(422);
    expect(res.body.errors[0].message).toContain('USD');
  });

  it('another client’s account by id, number or IBAN is 404 like a missing one', async () => {
    const me = await account('EUR');
    const other = await account('USD');
    for (const key of [other.id, other.number, other.iban]) {
      const res = await api().get(`/Accounts/${key}`, me.as);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('USD');
    }
  });
});

describe('account numbers are random with a check digit', () => {
  it('new numbers are 12 digits with a valid Luhn digit and do not follow each other', async () => {
    const numbers: string[] = [];
    for (let i = 0; i < 8; i += 1) numbers.push((await account('EUR')).number);
    for (const n of numbers) {
      expect(n).toMatch(/^[1-9]\d{11}$/);
      expect(hasValidCheckDigit(n)).toBe(true);
    }
    const bodies = numbers.map((n) => BigInt(n.slice(0, -1))).sort((a, b) => (a < b ? -1 : 1));
    const gaps = bodies.slice(1).map((b, i) => b - (bodies[i] as bigint));
    // Sequential numbers would differ by 1; random ones are far apart.
    expect(gaps.every((g) => g > 1000n)).toBe(true);
  });

  it('the generator: many draws, all distinct and valid; the check digit matches the one the database used', () => {
    const drawn = new Set(Array.from({ length: 2000 }, () => randomAccountNumber()));
    expect(drawn.size).toBe(2000);
    for (const n of drawn) expect(hasValidCheckDigit(n)).toBe(true);
    // The sequence-issued numbers (11 digits from 10000000000 on, then the check digit) stay valid.
    expect(luhnCheckDigit('10000000000')).toBe(8);
    expect(hasValidCheckDigit('100000000008')).toBe(true);
    expect(hasValidCheckDigit('100000000009')).toBe(false);
  });

  it('a number issued from the old sequence still finds its account', async () => {
    const me = await account('EUR');
    const legacy = `${'1'.repeat(11)}${luhnCheckDigit('1'.repeat(11))}`;
    await api().sql`UPDATE accounts SET account_number = ${legacy}, iban = NULL WHERE id = ${me.id}`;
    const res = await api().get(`/Accounts/${legacy}`, me.as);
    expect(res.status, res.text).toBe(200);
    expect(res.body.value.id).toBe(me.id);
  });
});

describe('dates at the end of the calendar are 400, never 500', () => {
  it.each([
    '/internal/Transactions/report?accountId=ACCOUNT&from=9999-12-31&to=9999-12-31',
    '/internal/Transactions/report?accountId=ACCOUNT&from=2026-01-01&to=9999-12-31',
    '/internal/DailyAccountBalance?from=9999-12-31&to=9999-12-31',
    '/internal/DailyAccountBalance?accountId=ACCOUNT&from=1970-01-01&to=9999-12-31',
    '/internal/Transactions?from=9999-12-31T23:59:59Z',
    '/internal/Transactions?to=9999-12-31T23:59:59%2B14:00',
    '/internal/Transactions?from=0000-01-01T00:00:00Z',
    '/internal/Transactions/report?accountId=ACCOUNT&from=10000-01-01&to=10000-01-01',
  ])('GET %s', async (path) => {
    const a = await openAccount(api(), 'EUR');
    const res = await api().get(path.replace('ACCOUNT', a.id));
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].metadata.code).toBe('VALIDATION_ERROR');
  });

  it.each([
    ['/internal/DailyAccountBalance', { date: '9999-12-31' }],
    ['/internal/DailyAccountBalance/recalculate', { from: '9999-12-30', to: '9999-12-31' }],
    ['/internal/DailyCheck', { date: '9999-12-31' }],
    ['/internal/Accounts/calculateBalances', { accountIds: ['ACCOUNT'], asOf: '9999-12-31T23:59:59Z' }],
  ])('POST %s %o', async (path, body) => {
    const a = await openAccount(api(), 'EUR');
    const res = await api().post(path, JSON.parse(JSON.stringify(body).replace('ACCOUNT', a.id)));
    expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    expect(res.status, res.text).toBeLessThan(500);
  });

  it('the last storable day still answers', async () => {
    const a = await openAccount(api(), 'EUR');
    const res = await api().get(`/internal/Transactions/report?accountId=${a.id}&from=9998-12-31&to=9998-12-31`);
    expect(res.status, res.text).toBeLessThan(500);
  });
});
