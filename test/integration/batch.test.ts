import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/errors';
import { newId } from '../../domain/ids';
import { balancesOf } from '../../ledger/accounts';
import { type BatchResult, MAX_BATCH_SIZE, recordBatch } from '../../ledger/batch';
import { createSql, type Sql } from '../../ledger/db';
import { getEntry, recordEntry } from '../../ledger/journal';
import { ledgerRetryStats } from '../../ledger/retryStats';
import type { EntryRequest, MovementRequest } from '../../ledger/types';
import { testEnv } from '../support/env';
import { fundedAccount, reload } from '../support/fixtures';
import { expectLedgerInvariants } from '../support/invariants';

let sql: Sql;
beforeAll(() => {
  sql = createSql(testEnv().databaseUrl, { max: 10 });
});
afterAll(async () => {
  await expectLedgerInvariants(sql);
  await sql.end();
});

const codes = (results: BatchResult[]) => results.map((r) => (r.ok ? 'ok' : r.error.code));

describe('batched postings', () => {
  it('refuses only the posting that breaks a rule, checking funds in order', async () => {
    const a = await fundedAccount(sql, 'EUR', 1_000n);
    const b = await fundedAccount(sql, 'EUR', 0n);
    const gbp = await fundedAccount(sql, 'GBP', 0n);
    const post = (amount: bigint, credit = b.id, currency = 'EUR'): EntryRequest => ({
      kind: 'posted',
      id: newId(),
      debitAccountId: a.id,
      creditAccountId: credit,
      amount,
      currency,
    });
    const batch = [post(600n), post(500n), post(400n), post(1n, gbp.id), post(1n, a.id)];
    const results = await recordBatch(sql, batch);
    expect(codes(results)).toEqual(['ok', ErrorCode.INSUFFICIENT_FUNDS, 'ok', ErrorCode.CURRENCY_MISMATCH, ErrorCode.SAME_ACCOUNT]);
    expect(balancesOf(await reload(sql, a))).toMatchObject({ balance: 0n, available: 0n });
    expect(balancesOf(await reload(sql, b)).balance).toBe(1_000n);

    // The same batch again: accepted ones replayed, refused ones stay refused (even with funds now).
    await recordEntry(sql, { kind: 'posted', id: newId(), debitAccountId: b.id, creditAccountId: a.id, amount: 1_000n, currency: 'EUR' });
    const again = await recordBatch(sql, batch);
    expect(codes(again)).toEqual(codes(results));
    expect(again[0]).toMatchObject({ ok: true, replayed: true });
    expect(balancesOf(await reload(sql, a)).balance).toBe(1_000n);
  });

  it('holds, posts and voids in one batch, and refuses a second resolution of the same hold', async () => {
    const a = await fundedAccount(sql, 'EUR', 1_000n);
    const b = await fundedAccount(sql, 'EUR', 0n);
    const hold1 = await recordEntry(sql, {
      kind: 'pending',
      id: newId(),
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: 300n,
      currency: 'EUR',
    });
    const hold2 = await recordEntry(sql, {
      kind: 'pending',
      id: newId(),
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: 700n,
      currency: 'EUR',
    });
    const results = await recordBatch(sql, [
      { kind: 'post_pending', id: newId(), pendingId: hold1.id, amount: 200n },
      { kind: 'void_pending', id: newId(), pendingId: hold1.id },
      { kind: 'void_pending', id: newId(), pendingId: hold2.id },
      { kind: 'posted', id: newId(), debitAccountId: a.id, creditAccountId: b.id, amount: 800n, currency: 'EUR' },
    ]);
    expect(codes(results)).toEqual(['ok', ErrorCode.PENDING_ALREADY_RESOLVED, 'ok', 'ok']);
    expect(balancesOf(await reload(sql, a))).toEqual({ balance: 0n, held: 0n, incoming: 0n, available: 0n });
    expect(balancesOf(await reload(sql, b))).toEqual({ balance: 1_000n, held: 0n, incoming: 0n, available: 1_000n });
  });

  it('writes all or nothing when asked to be atomic', async () => {
    const a = await fundedAccount(sql, 'EUR', 100n);
    const b = await fundedAccount(sql, 'EUR', 0n);
    const ok: EntryRequest = { kind: 'posted', id: newId(), debitAccountId: a.id, creditAccountId: b.id, amount: 100n, currency: 'EUR' };
    const results = await recordBatch(sql, [ok, { ...ok, id: newId(), amount: 1n }], { atomic: true });
    expect(codes(results)).toEqual([ErrorCode.INSUFFICIENT_FUNDS, ErrorCode.INSUFFICIENT_FUNDS]);
    expect(await getEntry(sql, ok.id)).toBeUndefined();
  });

  it('treats a repeated id inside one batch as the same posting', async () => {
    const a = await fundedAccount(sql, 'EUR', 100n);
    const b = await fundedAccount(sql, 'EUR', 0n);
    const p: EntryRequest = { kind: 'posted', id: newId(), debitAccountId: a.id, creditAccountId: b.id, amount: 60n, currency: 'EUR' };
    const results = await recordBatch(sql, [p, p, { ...p, amount: 61n }]);
    expect(codes(results)).toEqual(['ok', 'ok', ErrorCode.EXISTS_WITH_DIFFERENT_FIELDS]);
    expect(results[1]).toMatchObject({ ok: true, replayed: true });
    expect(balancesOf(await reload(sql, a)).balance).toBe(40n);
  });

  it('moves 1,000 postings across many accounts in one call, and concurrent batches never overdraw', async () => {
    // Funded thinly, so the three batches ask some accounts for more than they hold at that
    // moment and "never overdraw" is put to the test (with ample funds nothing is ever refused).
    const funding = 200n;
    const accounts = await Promise.all(Array.from({ length: 20 }, () => fundedAccount(sql, 'EUR', funding)));
    const batch = (n: number): EntryRequest[] =>
      Array.from({ length: n }, (_, i) => ({
        kind: 'posted',
        id: newId(),
        debitAccountId: (accounts[i % 20] as { id: string }).id,
        creditAccountId: (accounts[(i * 7 + 3) % 20] as { id: string }).id,
        amount: BigInt(1 + (i % 97)),
        currency: 'EUR',
      }));
    const batches = [batch(1_000), batch(1_000), batch(1_000)];
    const before = ledgerRetryStats();
    const results = await Promise.all(batches.map((b) => recordBatch(sql, b)));
    const after = ledgerRetryStats();
    // Each batch locks every account it touches in id order (ledger/priorState.ts readPriorState), so
    // concurrent batches queue behind each other instead of deadlocking and being retried.
    expect(after.deadlock - before.deadlock, JSON.stringify(after.bySite)).toBe(0);

    expect(results.map((r) => r.length)).toEqual([1_000, 1_000, 1_000]);
    const outcomes = batches.flatMap((requests, b) => requests.map((request, i) => ({ request, result: results[b]?.[i] })));
    const accepted = outcomes.filter((o) => o.result?.ok).map((o) => o.request as MovementRequest);
    const refused = outcomes.flatMap((o) => (o.result && !o.result.ok ? [o.result.error.code] : []));
    expect(accepted.length).toBeGreaterThan(2_000);
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set([ErrorCode.INSUFFICIENT_FUNDS]));
    expect(accepted.length + refused.length).toBe(3_000);

    for (const account of accounts) {
      const row = await reload(sql, account);
      expect(balancesOf(row).available).toBeGreaterThanOrEqual(0n);
      // Exactly the accepted postings moved money, each once (the total over the 20 accounts alone
      // would hold whatever was written, since every posting is between two of them).
      const sum = (side: 'debitAccountId' | 'creditAccountId') =>
        accepted.filter((r) => r[side] === account.id).reduce((s, r) => s + r.amount, 0n);
      expect({ debitsPosted: row.debitsPosted, creditsPosted: row.creditsPosted }).toEqual({
        debitsPosted: sum('debitAccountId'),
        creditsPosted: funding + sum('creditAccountId'),
      });
    }
  });

  it('refuses a batch above the size limit', async () => {
    await expect(recordBatch(sql, new Array(MAX_BATCH_SIZE + 1).fill(null))).rejects.toMatchObject({ code: ErrorCode.VALIDATION_ERROR });
  });
});
