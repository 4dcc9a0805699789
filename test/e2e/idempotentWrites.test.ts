import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, token } from '../support/api';
import { balances, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

/**
 * A write with an Idempotency-Key is counted against its caller's limit in the statement that
 * claims the key (api/idempotency.ts). What that must keep, with two API processes on one
 * database: a key runs its request once however many processes receive it at once, keyed writes
 * share the caller's limit, a write refused by the limit holds no key, and a keyed write answered
 * 4xx counts as a refused attempt.
 */
const api = useTestApi();
let other: TestApi | undefined;
const second = () => {
  if (!other) throw new Error('the second API process is made in beforeAll');
  return other;
};

beforeAll(async () => {
  other = await createTestApi();
});

afterAll(async () => {
  expect(other?.errors).toEqual([]);
  await other?.close();
});

const recipient = (i: number) => ({ name: `R${i}`, iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' });
const withKey = (key: string, as: { token: string }) => ({ ...as, headers: { 'Idempotency-Key': key } });

async function countsOf(sub: string) {
  const rows = await api().sql<{ scope: string; count: number }[]>`
    SELECT scope, sum(count)::int AS count FROM rate_limit_windows WHERE scope LIKE ${`%:client:${sub}`} GROUP BY scope`;
  return Object.fromEntries(rows.map((r) => [r.scope.split(':')[0], r.count]));
}

describe('writes with an Idempotency-Key, across API processes', () => {
  it('one key sent at once to two processes runs the payment once; every answer is that payment', async () => {
    const a = await openAccount(api(), 'EUR', '100.00');
    const b = await openAccount(api(), 'EUR');
    const key = randomUUID();
    const body = { debitAccountId: a.id, creditAccountId: b.id, amount: '7.00', currency: 'EUR' };
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 === 0 ? api() : second()).post('/internal/Payments', body, { headers: { 'Idempotency-Key': key } }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((r) => r.body.value.id)).size).toBe(1);
    // One request ran; the others waited for its answer and replayed it byte for byte.
    expect(answers.filter((r) => r.headers.get('Idempotent-Replayed') !== 'true')).toHaveLength(1);
    expect(new Set(answers.map((r) => r.text)).size).toBe(1);
    expect(await balances(api(), a.id)).toMatchObject({ balance: '93.00' });
    expect(await balances(api(), b.id)).toMatchObject({ balance: '7.00' });
  });

  it('keyed writes share the caller limit; the write past it is 429 and leaves its key free', async () => {
    const client = await openAccount(api(), 'EUR');
    const as = { token: await token('client', client.clientId) };
    const statuses: number[] = [];
    let refusedKey: string | undefined;
    // Up to twice the limit (120): a run that crosses into the next clock minute starts a new count.
    for (let i = 0; i < 245 && !refusedKey; i++) {
      const key = randomUUID();
      const res = await (i % 2 === 0 ? api() : second()).post('/Recipients', recipient(i), withKey(key, as));
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.errors[0].metadata.code).toBe('RATE_LIMITED');
        refusedKey = key;
      }
    }
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(120);
    expect(refusedKey).toBeDefined();
    const held = await api()
      .sql`SELECT 1 FROM idempotency_keys WHERE caller = ${`client:${client.clientId}`} AND key = ${refusedKey ?? ''}`;
    expect(held).toHaveLength(0);
    // Every keyed write was counted once, the refused one too (it is past the limit).
    expect((await countsOf(client.clientId)).write).toBe(statuses.length);
  });

  it('a keyed write answered 4xx counts as a refused attempt, and its replay too', async () => {
    const client = await openAccount(api(), 'EUR');
    const as = { token: await token('client', client.clientId) };
    const key = randomUUID();
    const missing = randomUUID();
    const confirmMissing = (via: TestApi) => via.put(`/Transfers/outgoing/${missing}/confirm`, { code: '123456' }, withKey(key, as));
    expect((await confirmMissing(api())).status).toBe(404);
    const replayed = await confirmMissing(second());
    expect(replayed.status).toBe(404);
    expect(replayed.headers.get('Idempotent-Replayed')).toBe('true');
    const created = await second().post('/Recipients', recipient(1), withKey(randomUUID(), as));
    expect(created.status).toBe(201);
    expect(await countsOf(client.clientId)).toEqual({ write: 1, refused: 2 });
  });
});
