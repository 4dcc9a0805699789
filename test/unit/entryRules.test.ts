import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/errors';
import { type AccountsAndHolds, movementLegs, planEntry } from '../../ledger/entryRules';
import type { JournalEntry } from '../../ledger/types';

const account = (id: string) => ({
  id,
  currency: 'EUR' as const,
  status: 'active',
  clientBlocked: false,
  kind: 'client' as const,
  available: 100n,
});
const hold: JournalEntry = {
  id: 'hold',
  seq: 1n,
  kind: 'pending',
  debitAccountId: 'a',
  creditAccountId: 'b',
  amount: 40n,
  currency: 'EUR',
  pendingId: null,
  paymentId: null,
  transferId: null,
  description: null,
  createdAt: new Date(0),
};

const state = (): AccountsAndHolds => ({
  accountById: new Map([
    ['a', account('a')],
    ['b', account('b')],
  ]),
  pendingById: new Map([['hold', hold]]),
  resolvedPendingIds: new Set(),
});

describe('planEntry', () => {
  it('is pure: planning a resolution marks nothing, the caller says what was resolved in the same write', () => {
    const before = state();
    const after = state();
    const plan = planEntry({ kind: 'post_pending', id: 'settle', pendingId: 'hold', amount: 30n }, after);
    expect(plan).toMatchObject({ ok: true, resolves: 'hold', row: { amount: 30n, pendingId: 'hold' } });
    expect(after).toEqual(before);
    // The same hold again, as a second entry of the same write: refused.
    const again = planEntry({ kind: 'void_pending', id: 'release', pendingId: 'hold' }, after, new Set(['hold']));
    expect(again).toMatchObject({ ok: false, error: { code: ErrorCode.PENDING_ALREADY_RESOLVED } });
  });

  it('releases the whole hold and posts the part settled, on mirrored legs', () => {
    const plan = planEntry({ kind: 'post_pending', id: 'settle', pendingId: 'hold', amount: 30n }, state());
    if (!plan.ok) throw plan.error;
    expect(plan.legs).toEqual([
      { accountId: 'a', debitsPending: -40n, debitsPosted: 30n, creditsPending: 0n, creditsPosted: 0n },
      { accountId: 'b', debitsPending: 0n, debitsPosted: 0n, creditsPending: -40n, creditsPosted: 30n },
    ]);
  });

  it('treats a non-positive amount reaching the arithmetic as a bug (an assertion), not a refusal', () => {
    const request = { kind: 'posted' as const, id: 'm', debitAccountId: 'a', creditAccountId: 'b', amount: 0n, currency: 'EUR' as const };
    expect(() => movementLegs(request)).toThrow(AssertionError);
    // planEntry refuses it before: a refusal the caller is told about.
    expect(planEntry(request, state())).toMatchObject({ ok: false, error: { code: ErrorCode.VALIDATION_ERROR } });
  });
});
