import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createLocalNotifier } from '../../activities/notifier';
import { entryIdFor } from '../../activities/payments';
import { createSandboxProvider } from '../../activities/provider';
import { newId } from '../../domain/ids';
import { DEFAULT_TRANSFER_LIMITS } from '../../domain/limits';
import { balancesOf } from '../../ledger/accounts';
import { createSql, type Sql } from '../../ledger/db';
import { entriesOfPayment } from '../../ledger/journal';
import { listAudit } from '../../store/audit';
import { getPayment } from '../../store/payments';
import { testEnv } from '../support/env';
import { fundedAccount, reload } from '../support/fixtures';
import { expectLedgerInvariants } from '../support/invariants';

let sql: Sql;
let activities: ReturnType<typeof createActivities>;
beforeAll(() => {
  sql = createSql(testEnv().databaseUrl, { max: 10 });
  activities = createActivities({
    sql,
    provider: createSandboxProvider(sql, { decisionDelayMs: 0 }),
    notifier: createLocalNotifier(sql),
    otp: { secret: 'test-secret-test-secret-test-secret', ttlMs: 60_000, maxAttempts: 5, maxResends: 3, resendIntervalMs: 1_000 },
    transferLimits: DEFAULT_TRANSFER_LIMITS,
  });
});
afterAll(async () => {
  await expectLedgerInvariants(sql);
  await sql.end();
});

async function paymentRecord(amountMinor: bigint) {
  const debit = await fundedAccount(sql, 'EUR', 10_000n);
  const credit = await fundedAccount(sql, 'EUR', 0n);
  return {
    debit,
    credit,
    record: {
      paymentId: newId(),
      debitAccountId: debit.id,
      creditAccountId: credit.id,
      amountMinor: amountMinor.toString(),
      currency: 'EUR',
      description: 'test',
      reference: null,
    },
  };
}

/** Runs an activity as Temporal would after a lost reply: again, and also several times at once. */
async function runRepeatedly(fn: () => Promise<void>) {
  await fn();
  await fn();
  await Promise.all([fn(), fn(), fn()]);
}

describe('money-moving activities are idempotent', () => {
  it('createPayment (at once) run five times: one posted entry, one payment', async () => {
    const { debit, credit, record } = await paymentRecord(1_234n);
    await runRepeatedly(() => activities.createPayment({ ...record, postEntryKey: `payment-${record.paymentId}/post` }));
    const entries = await entriesOfPayment(sql, record.paymentId);
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([['posted', 1_234n]]);
    expect((await getPayment(sql, record.paymentId))?.status).toBe('Posted');
    expect(balancesOf(await reload(sql, debit)).balance).toBe(10_000n - 1_234n);
    expect(balancesOf(await reload(sql, credit)).balance).toBe(1_234n);
  });

  it('holdPayment, then settlePayment, each run five times: one hold, one settlement', async () => {
    const { debit, credit, record } = await paymentRecord(700n);
    const wf = `payment-${record.paymentId}`;
    await activities.createPayment({ ...record, postEntryKey: null });
    const holdExpiresAt = new Date(Date.now() + 60_000).toISOString();
    await runRepeatedly(() => activities.holdPayment({ paymentId: record.paymentId, entryKey: `${wf}/hold/1`, record, holdExpiresAt }));
    expect(balancesOf(await reload(sql, debit))).toMatchObject({ held: 700n, available: 9_300n });
    await runRepeatedly(() =>
      activities.settlePayment({ paymentId: record.paymentId, entryKey: `${wf}/post`, pendingEntryKey: `${wf}/hold/1` }),
    );
    const entries = await entriesOfPayment(sql, record.paymentId);
    expect(entries.map((e) => e.kind)).toEqual(['pending', 'post_pending']);
    expect(entries[1]?.pendingId).toBe(entryIdFor(`${wf}/hold/1`));
    expect(balancesOf(await reload(sql, debit))).toEqual({ balance: 9_300n, held: 0n, incoming: 0n, available: 9_300n });
    expect(balancesOf(await reload(sql, credit)).balance).toBe(700n);
    expect((await getPayment(sql, record.paymentId))?.status).toBe('Posted');
  });

  it('releasePayment run five times: one void, available restored once', async () => {
    const { debit, record } = await paymentRecord(900n);
    const wf = `payment-${record.paymentId}`;
    await activities.createPayment({ ...record, postEntryKey: null });
    await activities.holdPayment({
      paymentId: record.paymentId,
      entryKey: `${wf}/hold/1`,
      record,
      holdExpiresAt: new Date().toISOString(),
    });
    await runRepeatedly(() =>
      activities.releasePayment({ paymentId: record.paymentId, entryKey: `${wf}/void`, pendingEntryKey: `${wf}/hold/1`, reason: 'test' }),
    );
    expect((await entriesOfPayment(sql, record.paymentId)).map((e) => e.kind)).toEqual(['pending', 'void_pending']);
    expect(balancesOf(await reload(sql, debit))).toEqual({ balance: 10_000n, held: 0n, incoming: 0n, available: 10_000n });
    expect(await getPayment(sql, record.paymentId)).toMatchObject({ status: 'Cancelled', cancelReason: 'test' });
  });

  it('releasePayment voids a hold the workflow never learned of (its answer lost), five times over: one void', async () => {
    const { debit, record } = await paymentRecord(400n);
    const wf = `payment-${record.paymentId}`;
    await activities.createPayment({ ...record, postEntryKey: null });
    // The pend's hold reached the ledger, its answer did not: the workflow still thinks Draft.
    await activities.holdPayment({
      paymentId: record.paymentId,
      entryKey: `${wf}/hold/1`,
      record,
      holdExpiresAt: new Date().toISOString(),
    });
    expect(balancesOf(await reload(sql, debit)).held).toBe(400n);
    await runRepeatedly(() =>
      activities.releasePayment({ paymentId: record.paymentId, entryKey: null, pendingEntryKey: null, reason: 'cancelled' }),
    );
    expect((await entriesOfPayment(sql, record.paymentId)).map((e) => e.kind)).toEqual(['pending', 'void_pending']);
    expect(balancesOf(await reload(sql, debit))).toEqual({ balance: 10_000n, held: 0n, incoming: 0n, available: 10_000n });
    expect(await getPayment(sql, record.paymentId)).toMatchObject({ status: 'Cancelled', cancelReason: 'cancelled' });
  });

  it('settlePayment is refused while the client or the account is blocked, and changes nothing', async () => {
    const { debit, record } = await paymentRecord(300n);
    const wf = `payment-${record.paymentId}`;
    await activities.createPayment({ ...record, postEntryKey: null });
    await activities.holdPayment({
      paymentId: record.paymentId,
      entryKey: `${wf}/hold/1`,
      record,
      holdExpiresAt: new Date().toISOString(),
    });
    const settle = () => activities.settlePayment({ paymentId: record.paymentId, entryKey: `${wf}/post`, pendingEntryKey: `${wf}/hold/1` });
    for (const [status, clientBlocked, code] of [
      ['blocked', false, 'ACCOUNT_NOT_ACTIVE'],
      ['active', true, 'CLIENT_BLOCKED'],
    ] as const) {
      await sql`UPDATE accounts SET status = ${status}, client_blocked = ${clientBlocked} WHERE id = ${debit.id}`;
      expect(await settle().catch((e) => e)).toMatchObject({ type: code, nonRetryable: true });
      expect((await entriesOfPayment(sql, record.paymentId)).map((e) => e.kind)).toEqual(['pending']);
      expect((await getPayment(sql, record.paymentId))?.status).toBe('Pending');
    }
    // The refusal is not kept under the post's id: once unblocked, the same step posts.
    await sql`UPDATE accounts SET status = 'active', client_blocked = false WHERE id = ${debit.id}`;
    await runRepeatedly(() => settle());
    expect((await entriesOfPayment(sql, record.paymentId)).map((e) => e.kind)).toEqual(['pending', 'post_pending']);
  });

  it('fails for good, typed with the code, when a step key is reused with a different amount', async () => {
    const { debit, record } = await paymentRecord(100n);
    const postEntryKey = `payment-${record.paymentId}/post`;
    await activities.createPayment({ ...record, postEntryKey });
    const failure = await activities.createPayment({ ...record, amountMinor: '101', postEntryKey }).catch((e) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'EXISTS_WITH_DIFFERENT_FIELDS', nonRetryable: true });
    expect(balancesOf(await reload(sql, debit)).balance).toBe(9_900n);
  });

  it('reports a business refusal as a non-retryable failure with the stable code', async () => {
    const { record } = await paymentRecord(10_001n);
    const failure = await activities.createPayment({ ...record, postEntryKey: `payment-${record.paymentId}/post` }).catch((e) => e);
    expect(failure).toMatchObject({ type: 'INSUFFICIENT_FUNDS', nonRetryable: true });
    expect(await getPayment(sql, record.paymentId)).toBeUndefined();
  });
});

describe('audited steps are idempotent too', () => {
  it('an ops payment created, held, posted five times each: one entry per step and one audit record per step', async () => {
    const { debit, credit, record } = await paymentRecord(700n);
    const actor = { role: 'ops' as const, sub: `mallory-${newId()}` };
    const workflowId = `payment-${record.paymentId}`;
    await runRepeatedly(() => activities.createPayment({ ...record, postEntryKey: null, createdBy: actor, note: 'by hand' }));
    await runRepeatedly(() =>
      activities.holdPayment({
        paymentId: record.paymentId,
        entryKey: `${workflowId}/hold/1`,
        record,
        holdExpiresAt: new Date(Date.now() + 60_000).toISOString(),
        actor,
      }),
    );
    await runRepeatedly(() =>
      activities.settlePayment({
        paymentId: record.paymentId,
        entryKey: `${workflowId}/post`,
        pendingEntryKey: `${workflowId}/hold/1`,
        actor,
      }),
    );
    expect((await entriesOfPayment(sql, record.paymentId)).map((e) => e.kind)).toEqual(['pending', 'post_pending']);
    expect(await getPayment(sql, record.paymentId)).toMatchObject({
      status: 'Posted',
      createdByRole: 'ops',
      createdBySub: actor.sub,
      note: 'by hand',
    });
    expect(balancesOf(await reload(sql, debit)).balance).toBe(10_000n - 700n);
    expect(balancesOf(await reload(sql, credit)).balance).toBe(700n);
    const audit = await listAudit(sql, { resourceId: record.paymentId }, { limit: 10 });
    expect(audit.map((a) => [a.action, a.actorSub])).toEqual([
      ['payment.posted', actor.sub],
      ['payment.pending', actor.sub],
      ['payment.created', actor.sub],
    ]);
  });

  it('an incoming request booked, then assigned by ops, each five times: one booking, one assignment, one audit record each', async () => {
    const transferId = newId();
    const account = await fundedAccount(sql, 'EUR', 0n);
    const system = { role: 'system' as const, sub: `provider-${newId()}` };
    const transfer = {
      transferId,
      providerReference: `PR-${transferId}`,
      amountMinor: '1234',
      currency: 'EUR',
      senderName: 'ACME',
      senderIban: null,
      receiverAccountNumber: '000000000000',
      receiverIban: null,
      reference: null,
      createdBy: system,
    };
    await runRepeatedly(async () => {
      await activities.receiveIncoming({ transfer, entryKey: `transfer-${transferId}/receive` });
    });
    const audit = { stepKey: `transfer-${transferId}/assign`, action: 'assign', actor: 'ops:mallory', note: 'found the owner' };
    await runRepeatedly(() =>
      activities.assignIncoming({
        transferId,
        accountId: account.id,
        amountMinor: '1234',
        currency: 'EUR',
        entryKey: `transfer-${transferId}/assign`,
        audit,
      }),
    );
    expect(balancesOf(await reload(sql, account)).balance).toBe(1234n);
    const rows = await listAudit(sql, { resourceId: transferId }, { limit: 10 });
    expect(rows.map((r) => [r.action, r.actorRole, r.actorSub])).toEqual([
      ['transfer.assign', 'ops', 'mallory'],
      ['transfer.unrecognized', 'system', system.sub],
    ]);
  });
});
