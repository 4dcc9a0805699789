import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { accountCodeRefusal, utcDay, wrongCodeBudgetRefusal } from '../../../domain/otpPolicy';
import { token } from '../../support/api';
import { openAccount } from '../../support/bankFixtures';
import { useTestApi } from '../../support/suite';

/**
 * Hostile callers, step-up codes: a stolen client token must not buy unlimited guesses. Account
 * codes are capped like transfer codes (3 per account and operation in 10 minutes, spaced), and a
 * client's wrong codes across all its codes have a daily budget (20) after which every check is
 * 429 until the UTC day ends. (The test app spaces codes 1 s apart; production 30 s.)
 */
const api = useTestApi();
const SPACING_MS = 1_100;

async function customer(funding?: string) {
  const account = await openAccount(api(), 'EUR', funding);
  return { ...account, as: { token: await token('client', account.clientId) } };
}

type Customer = Awaited<ReturnType<typeof customer>>;

async function codesSent(clientId: string): Promise<string[]> {
  const res = await api().get(`/internal/Notifications?clientId=${clientId}&limit=100`);
  return res.body.value.items.map((n: { body: string }) => /code is (\d{6})/.exec(n.body)?.[1]).filter(Boolean);
}

const lastCode = async (clientId: string) => (await codesSent(clientId))[0] as string;
/** A code that is surely wrong: the right one with its last digit changed. */
const wrong = (code: string) => `${code.slice(0, 5)}${(Number(code[5]) + 1) % 10}`;

async function extraAccount(c: Customer): Promise<string> {
  const res = await api().post('/Accounts', { currency: 'EUR', name: 'Spare', purpose: 'savings' }, c.as);
  expect(res.status, res.text).toBe(201);
  return res.body.value.id;
}

const sendOtp = (c: Customer, accountId: string) => api().post('/Accounts/send-otp', { operation: 'close', accountId }, c.as);
const verify = (c: Customer, otpId: string, code: string) => api().post('/Accounts/otp-verification', { otpId, code }, c.as);

function expect429(res: { status: number; body: any; headers: Headers; text: string }, maxSeconds?: number) {
  expect(res.status, res.text).toBe(429);
  expect(res.body.errors[0].metadata.code).toBe('RATE_LIMITED');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  if (maxSeconds !== undefined) expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
}

describe('account codes are capped per account and operation', () => {
  it('seven send-otp in a row: the first is 201, the next 429 with Retry-After until the spacing has passed', async () => {
    const c = await customer();
    expect((await sendOtp(c, c.id)).status).toBe(201);
    for (let i = 0; i < 6; i += 1) expect429(await sendOtp(c, c.id), 2);
    expect(await codesSent(c.clientId)).toHaveLength(1);
  });

  it('three codes in the window, spaced; the fourth is 429 until the oldest leaves the window; other accounts are apart', async () => {
    const c = await customer();
    for (let i = 0; i < 3; i += 1) {
      if (i > 0) await sleep(SPACING_MS);
      const sent = await sendOtp(c, c.id);
      expect(sent.status, sent.text).toBe(201);
    }
    await sleep(SPACING_MS);
    const fourth = await sendOtp(c, c.id);
    expect429(fourth, 600);
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(500);
    // Another account of the same client has its own count.
    expect((await sendOtp(c, await extraAccount(c))).status).toBe(201);
  });

  it('parallel send-otp for one account: exactly one code is sent', async () => {
    const c = await customer();
    const results = await Promise.all(Array.from({ length: 6 }, () => sendOtp(c, c.id)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expect429(r);
  });

  it('another client cannot ask codes for an account that is not its own (404), nor verify another client’s code', async () => {
    const owner = await customer();
    const stranger = await customer();
    expect((await sendOtp(stranger, owner.id)).status).toBe(404);
    const sent = await sendOtp(owner, owner.id);
    expect((await verify(stranger, sent.body.value.otpId, await lastCode(owner.clientId))).status).toBe(404);
  });
});

describe('a daily budget of wrong codes per client, across all its codes', () => {
  it('20 wrong codes over a transfer and four account codes; then every check is 429 until the day ends, and the client is told', async () => {
    const c = await customer('100.00');
    const transfer = await api().post(
      '/Transfers/outgoing',
      {
        accountId: c.id,
        amount: '1.00',
        currency: 'EUR',
        recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      },
      c.as,
    );
    expect(transfer.status, transfer.text).toBe(201);
    const transferCode = await lastCode(c.clientId);
    const confirm = (code: string) => api().put(`/Transfers/outgoing/${transfer.body.value.id}/confirm`, { code }, c.as);
    // 4 wrong codes at the transfer (the 5th would lock it and cancel the transfer).
    for (let i = 0; i < 4; i += 1) expect((await confirm(wrong(transferCode))).body.errors[0].metadata.code).toBe('OTP_INVALID');

    // 16 more at four account codes (one account each: codes are capped per account).
    const accounts = [c.id, await extraAccount(c), await extraAccount(c), await extraAccount(c)];
    const otps: { otpId: string; code: string }[] = [];
    for (const accountId of accounts) {
      const sent = await sendOtp(c, accountId);
      expect(sent.status, sent.text).toBe(201);
      otps.push({ otpId: sent.body.value.otpId, code: await lastCode(c.clientId) });
    }
    const answers: string[] = [];
    for (const otp of otps)
      for (let i = 0; i < 4; i += 1) answers.push((await verify(c, otp.otpId, wrong(otp.code))).body.errors[0].metadata.code);
    expect(answers).toEqual(Array(16).fill('OTP_INVALID'));

    // Spent: the right codes are 429 now, account codes and the transfer's (through its workflow).
    const untilMidnight = Math.ceil((utcDay(new Date()).endsAt.getTime() - Date.now()) / 1000) + 1;
    expect429(await verify(c, (otps[0] as { otpId: string }).otpId, (otps[0] as { code: string }).code), untilMidnight);
    expect429(await confirm(transferCode), untilMidnight);
    expect429(await verify(c, (otps[3] as { otpId: string }).otpId, wrong((otps[3] as { code: string }).code)), untilMidnight);
    // The transfer was not cancelled by the refusals: it still waits for its code.
    expect((await api().get(`/Transfers/${transfer.body.value.id}`, c.as)).body.value.status).toBe('PendingConfirmation');

    const notices = await api().get(`/internal/Notifications?clientId=${c.clientId}&limit=100`);
    const told = notices.body.value.items.filter((n: { subject: string }) => n.subject === 'Codes blocked for today');
    expect(told).toHaveLength(1);

    // Another client is not affected.
    const other = await customer();
    const sent = await sendOtp(other, other.id);
    expect((await verify(other, sent.body.value.otpId, await lastCode(other.clientId))).status).toBe(200);
    // Cancelling needs no code and still works.
    expect((await api().request('DELETE', `/Transfers/outgoing/${transfer.body.value.id}`, undefined, c.as)).status).toBe(200);
  });

  it('30 wrong codes in parallel over six codes: no more than 20 are judged, the rest 429', async () => {
    const c = await customer();
    const otps: { otpId: string; code: string }[] = [];
    for (let i = 0; i < 6; i += 1) {
      const accountId = i === 0 ? c.id : await extraAccount(c);
      const sent = await sendOtp(c, accountId);
      otps.push({ otpId: sent.body.value.otpId, code: await lastCode(c.clientId) });
    }
    const results = await Promise.all(otps.flatMap((otp) => Array.from({ length: 5 }, () => verify(c, otp.otpId, wrong(otp.code)))));
    const judged = results.filter((r) => r.status === 422);
    const limited = results.filter((r) => r.status === 429);
    expect(judged).toHaveLength(20);
    expect(limited).toHaveLength(10);
  });

  it('the policy module: spacing, window and budget, with Retry-After never below 1 s', () => {
    const policy = { secret: 'x'.repeat(32), ttlMs: 60_000, maxAttempts: 5, maxResends: 3, resendIntervalMs: 30_000 };
    const now = new Date('2026-03-01T23:59:59.500Z');
    const ago = (ms: number) => new Date(now.getTime() - ms);
    expect(accountCodeRefusal(policy, [], now)).toBeUndefined();
    expect(accountCodeRefusal(policy, [ago(10_000)], now)?.metadata.retryAfterSeconds).toBe(20);
    expect(accountCodeRefusal(policy, [ago(31_000)], now)).toBeUndefined();
    expect(accountCodeRefusal(policy, [ago(500_000), ago(300_000), ago(100_000)], now)?.metadata.retryAfterSeconds).toBe(100);
    expect(accountCodeRefusal(policy, [ago(700_000), ago(300_000), ago(100_000)], now)).toBeUndefined();
    expect(wrongCodeBudgetRefusal(policy, 19, now)).toBeUndefined();
    const spent = wrongCodeBudgetRefusal(policy, 20, now);
    expect(spent?.code).toBe('RATE_LIMITED');
    expect(spent?.metadata).toMatchObject({ retryAfterSeconds: 1, until: '2026-03-02T00:00:00.000Z' });
    expect(wrongCodeBudgetRefusal({ ...policy, wrongCodesPerDay: 3 }, 3, now)).toBeDefined();
  });
});
