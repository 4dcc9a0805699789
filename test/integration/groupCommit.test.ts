import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DomainError, ErrorCode } from '../../domain/errors';
import { newId } from '../../domain/ids';
import { balancesOf } from '../../ledger/accounts';
import { databaseTrouble, LedgerBusyError } from '../../ledger/databaseTrouble';
import { createSql, type Sql } from '../../ledger/db';
import { AccountLanes, groupCommitStats } from '../../ledger/groupCommit';
import { getEntry, recordEntries, recordEntry } from '../../ledger/journal';
import type { EntryRequest, MovementRequest } from '../../ledger/types';
import { testEnv } from '../support/env';
import { fundedAccount, reload } from '../support/fixtures';
import { expectLedgerInvariants } from '../support/invariants';
import { testRandom } from '../support/random';

// Group commit (ledger/groupCommit.ts): concurrent writes to an account this process is already
// writing go together in one transaction. Every test here drives one account from many callers at
// once and checks that each caller got the answer a write of its own would give, and that groups
// really formed (the stats), so the group path is what was tested.
let sql: Sql;
beforeAll(async () => {
  sql = createSql(testEnv().databaseUrl, { max: 10 });
  await sql`CREATE TABLE IF NOT EXISTS test_group_read_model (entry_id uuid PRIMARY KEY)`;
});
afterAll(async () => {
  await expectLedgerInvariants(sql);
  await sql.end();
});

const move = (debit: { id: string }, credit: { id: string }, amount: bigint, kind: 'posted' | 'pending' = 'posted'): MovementRequest => ({
  kind,
  id: newId(),
  debitAccountId: debit.id,
  creditAccountId: credit.id,
  amount,
  currency: 'EUR',
});

const codeOf = (r: PromiseSettledResult<unknown>) => (r.status === 'fulfilled' ? 'ok' : ((r.reason as DomainError).code ?? 'thrown'));

describe('group commit on a busy account', () => {
  it('answers each of 300 concurrent debits as if alone: funds exact, refusals kept under their ids, repeats replayed', async () => {
    const start = 40_000n;
    const source = await fundedAccount(sql, 'EUR', start);
    const sinks = await Promise.all(Array.from({ length: 5 }, () => fundedAccount(sql, 'EUR', 0n)));
    const random = testRandom();
    const requests = Array.from({ length: 300 }, (_, i) => move(source, sinks[i % 5] as { id: string }, BigInt(random.int(1, 400))));
    const before = groupCommitStats();
    const results = await Promise.allSettled(requests.map((r) => recordEntry(sql, r)));
    const after = groupCommitStats();
    expect(after.writes - before.writes, 'writes committed in groups').toBeGreaterThan(100);

    const codes = results.map(codeOf);
    expect(new Set(codes)).toEqual(new Set(['ok', ErrorCode.INSUFFICIENT_FUNDS]));
    const acceptedSum = requests.reduce((sum, r, i) => (codes[i] === 'ok' ? sum + r.amount : sum), 0n);
    const left = balancesOf(await reload(sql, source));
    expect(start - left.balance).toBe(acceptedSum);
    // biome-ignore lint/complexity/useMathMinMax: bigint amounts (Math.min takes numbers)
    const smallestRefused = requests.filter((_, i) => codes[i] !== 'ok').reduce((m, r) => (r.amount < m ? r.amount : m), start);
    expect(left.available).toBeGreaterThanOrEqual(0n);
    expect(left.available).toBeLessThan(smallestRefused);
    const credited = await Promise.all(sinks.map(async (s) => balancesOf(await reload(sql, s)).balance));
    expect(credited.reduce((a, b) => a + b, 0n)).toBe(acceptedSum);

    // The same 300 again, now with money enough for all: the accepted ones are the same entries,
    // the refused ones stay refused (a refusal is final under its id, as for a write alone).
    await recordEntry(sql, move(await fundedAccount(sql, 'EUR', start), source, start));
    const again = await Promise.allSettled(requests.map((r) => recordEntry(sql, r)));
    expect(again.map(codeOf)).toEqual(codes);
    for (const [i, r] of again.entries()) {
      const first = results[i];
      if (r.status === 'fulfilled' && first?.status === 'fulfilled') expect(r.value.seq).toBe(first.value.seq);
    }
  });

  it('commits each read model with its own entries, and a read model that fails fails only its caller while the rest commit together', async () => {
    const source = await fundedAccount(sql, 'EUR', 1_000_000n);
    const sink = await fundedAccount(sql, 'EUR', 0n);
    const requests = Array.from({ length: 40 }, () => move(source, sink, 10n));
    const failing = requests[39] as MovementRequest;
    const before = groupCommitStats();
    const results = await Promise.allSettled(
      requests.map((r) =>
        recordEntries(sql, [r], {
          inTransaction: async (tx, entries) => {
            if (r === failing) throw new Error('read model refused');
            await tx`INSERT INTO test_group_read_model (entry_id) VALUES (${(entries[0] as { id: string }).id})`;
          },
        }),
      ),
    );
    const after = groupCommitStats();
    expect(after.fallbacks - before.fallbacks, 'the group with the failing read model fell back').toBeGreaterThan(0);
    // ...only for that caller: the others were grouped again without it, not written one by one.
    expect(after.writes - before.writes, 'writes committed in groups').toBeGreaterThanOrEqual(30);
    expect(results.map((r) => r.status)).toEqual([...Array(39).fill('fulfilled'), 'rejected']);
    expect(((results[39] as PromiseRejectedResult).reason as Error).message).toBe('read model refused');
    expect(await getEntry(sql, failing.id)).toBeUndefined();
    const ids = requests.slice(0, 39).map((r) => r.id);
    const [{ count }] = await sql<[{ count: bigint }]>`SELECT count(*) FROM test_group_read_model WHERE entry_id = ANY(${ids}::uuid[])`;
    expect(count).toBe(39n);
    expect(balancesOf(await reload(sql, sink)).balance).toBe(390n);
  });

  it('writes a unit of several entries all or nothing inside a group, and records nothing for a refused one', async () => {
    const source = await fundedAccount(sql, 'EUR', 5_000n);
    const sink = await fundedAccount(sql, 'EUR', 0n);
    const fees = await fundedAccount(sql, 'EUR', 0n);
    // A transfer's hold of amount and fee, 40 at once: 20 fit (20 x 250).
    const units: EntryRequest[][] = Array.from({ length: 40 }, () => [
      move(source, sink, 240n, 'pending'),
      move(source, fees, 10n, 'pending'),
    ]);
    const before = groupCommitStats();
    const results = await Promise.allSettled(units.map((unit) => recordEntries(sql, unit)));
    expect(groupCommitStats().writes - before.writes).toBeGreaterThan(0);
    const accepted = units.filter((_, i) => results[i]?.status === 'fulfilled');
    expect(accepted).toHaveLength(20);
    for (const [i, unit] of units.entries()) {
      const stored = await Promise.all(unit.map((r) => getEntry(sql, r.id)));
      expect(stored.every((e) => e !== undefined)).toBe(results[i]?.status === 'fulfilled');
      expect(stored.some((e) => e !== undefined)).toBe(results[i]?.status === 'fulfilled');
    }
    const refusedIds = units.filter((_, i) => results[i]?.status === 'rejected').flatMap((u) => u.map((r) => r.id));
    const [{ count }] = await sql<[{ count: bigint }]>`SELECT count(*) FROM ledger_rejections WHERE id = ANY(${refusedIds}::uuid[])`;
    expect(count).toBe(0n);
    expect(balancesOf(await reload(sql, source))).toMatchObject({ balance: 5_000n, held: 5_000n, available: 0n });
  });

  it('writes the same request once when it arrives many times in one group, and refuses another under its id', async () => {
    const source = await fundedAccount(sql, 'EUR', 1_000n);
    const sink = await fundedAccount(sql, 'EUR', 0n);
    const opener = recordEntry(sql, move(source, sink, 1n)); // the write alone that the others queue behind
    const request = move(source, sink, 7n);
    const conflicting = { ...request, amount: 8n };
    // A retry may differ in what is not the money (a description, the order of its keys): alone it
    // is answered with the stored entry, so in a group too.
    const { currency, amount, ...rest } = request;
    const results = await Promise.allSettled([
      opener,
      ...Array.from({ length: 8 }, () => recordEntry(sql, request)),
      recordEntry(sql, { ...request, description: 'the retry says it differently' }),
      recordEntry(sql, { amount, currency, ...rest }),
      recordEntry(sql, conflicting),
    ]);
    const entries = results.slice(1, 11).map((r) => (r as PromiseFulfilledResult<{ seq: bigint }>).value);
    expect(entries.every((e) => e !== undefined)).toBe(true);
    expect(new Set(entries.map((e) => e.seq)).size).toBe(1);
    expect(codeOf(results[11] as PromiseSettledResult<unknown>)).toBe(ErrorCode.EXISTS_WITH_DIFFERENT_FIELDS);
    expect(balancesOf(await reload(sql, sink)).balance).toBe(8n);
  });

  it('bounds the writes waiting for a busy account: past the bound a write is refused at once, retryably, having written nothing', async () => {
    const source = await fundedAccount(sql, 'EUR', 1_000n);
    const sink = await fundedAccount(sql, 'EUR', 0n);
    const lanes = new AccountLanes(sql, 3);
    const requests = Array.from({ length: 10 }, () => move(source, sink, 10n));
    const write = (r: MovementRequest) => lanes.record([r], undefined, () => recordEntries(sql, [r], { groupCommit: false }));
    // The first writes alone and holds the account; three wait for it; the other six find the queue full.
    const results = await Promise.allSettled(requests.map(write));
    expect(results.map((r) => r.status)).toEqual([...Array(4).fill('fulfilled'), ...Array(6).fill('rejected')]);
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') continue;
      expect(r.reason).toBeInstanceOf(LedgerBusyError);
      expect(databaseTrouble(r.reason), 'the API answers it 503 with Retry-After').toBe('busy');
      expect(await getEntry(sql, (requests[i] as MovementRequest).id)).toBeUndefined();
    }
    // Retried once the queue has drained, every refused write goes through.
    for (const r of requests.slice(4)) await write(r);
    expect(balancesOf(await reload(sql, sink)).balance).toBe(100n);
  });

  it('keeps the link of a reversal written in a group', async () => {
    const source = await fundedAccount(sql, 'EUR', 1_000n);
    const sink = await fundedAccount(sql, 'EUR', 0n);
    const original = await recordEntry(sql, move(source, sink, 50n));
    const opener = recordEntry(sql, move(source, sink, 1n));
    const reversal = { ...move(sink, source, 50n), reversalOf: original.id };
    const before = groupCommitStats();
    const [, written] = await Promise.all([opener, recordEntry(sql, reversal)]);
    expect(groupCommitStats().writes - before.writes, 'the reversal went in a group').toBe(1);
    expect(written.reversalOf).toBe(original.id);
    expect((await getEntry(sql, reversal.id))?.reversalOf).toBe(original.id);
  });

  it('refuses a write that carries one entry id twice (VALIDATION_ERROR, nothing written)', async () => {
    const source = await fundedAccount(sql, 'EUR', 1_000n);
    const sink = await fundedAccount(sql, 'EUR', 0n);
    const hold = move(source, sink, 10n, 'pending');
    await expect(recordEntries(sql, [hold, { ...hold, amount: 20n }])).rejects.toMatchObject({ code: ErrorCode.VALIDATION_ERROR });
    expect(await getEntry(sql, hold.id)).toBeUndefined();
  });
});
