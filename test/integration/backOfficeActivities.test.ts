import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createLocalNotifier } from '../../activities/notifier';
import { createSandboxProvider } from '../../activities/provider';
import { newId } from '../../domain/ids';
import { DEFAULT_TRANSFER_LIMITS } from '../../domain/limits';
import { balancesOf } from '../../ledger/accounts';
import { createSql, type Sql } from '../../ledger/db';
import { entriesOfPayment } from '../../ledger/journal';
import { getApproval } from '../../store/approvals';
import { getPayment } from '../../store/payments';
import { getTransfer, insertTransfer } from '../../store/transfers';
import { testEnv } from '../support/env';
import { fundedAccount, reload } from '../support/fixtures';
import { expectEventsMatchStatuses, expectLedgerInvariants } from '../support/invariants';

// The back office's money steps, called as Temporal would call them after a lost reply (again, and
// several at once): the second and later runs find the entries there and change nothing.

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

async function runRepeatedly(fn: () => Promise<void>) {
  await fn();
  await fn();
  await Promise.all([fn(), fn(), fn()]);
}

const ops = { role: 'ops' as const, sub: 'integration-ops' };
const countAudit = async (resourceId: string, action: string) =>
  (await sql`SELECT 1 FROM audit_log WHERE resource_id = ${resourceId} AND action = ${action}`).length;
const countEvents = async (aggregateId: string, type: string) =>
  (await sql`SELECT 1 FROM events WHERE aggregate_id = ${aggregateId} AND type = ${type}`).length;

describe('back-office money steps are idempotent', () => {
  it('reversePayment run five times under one key: one reversal entry, one event, one audit row', async () => {
    const debit = await fundedAccount(sql, 'EUR', 10_000n);
    const credit = await fundedAccount(sql, 'EUR', 0n);
    const paymentId = newId();
    const record = {
      paymentId,
      debitAccountId: debit.id,
      creditAccountId: credit.id,
      amountMinor: '1000',
      currency: 'EUR',
      description: 'invoice',
      reference: null,
    };
    await activities.createPayment({ ...record, postEntryKey: `payment-${paymentId}/post` });
    const key = `payment-${paymentId}-reversal-${newId()}/reverse`;
    await runRepeatedly(() =>
      activities.reversePayment({ paymentId, entryKey: key, amountMinor: '400', reason: 'wrong amount', note: null, actor: ops }),
    );
    const entries = await entriesOfPayment(sql, paymentId);
    expect(entries.map((e) => [e.kind, e.amount, e.reversalOf ?? null])).toEqual([
      ['posted', 1000n, null],
      ['posted', 400n, entries[0]?.id],
    ]);
    expect(await getPayment(sql, paymentId)).toMatchObject({ status: 'Posted', reversedAmount: 400n });
    expect(balancesOf(await reload(sql, credit)).balance).toBe(600n);
    expect(await countEvents(paymentId, 'payment.reversed')).toBe(1);
    expect(await countAudit(paymentId, 'payment.reversed')).toBe(1);

    // Another reversal for more than is left is refused and leaves everything as it was.
    await expect(
      activities.reversePayment({ paymentId, entryKey: `${key}-2`, amountMinor: '601', reason: 'x', note: null, actor: ops }),
    ).rejects.toMatchObject({ type: 'VALIDATION_ERROR' });
    expect((await entriesOfPayment(sql, paymentId)).length).toBe(2);
    await expectEventsMatchStatuses(sql);
  });

  it('bookTransferReturn run five times under one key: one return entry (and fee refund), Returned once', async () => {
    const account = await fundedAccount(sql, 'EUR', 0n);
    const transferId = newId();
    await insertTransfer(sql, {
      id: transferId,
      clientId: account.clientId,
      direction: 'outgoing',
      type: 'Sepa',
      status: 'Completed',
      accountId: account.id,
      recipientId: null,
      recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000' },
      sender: null,
      amount: 2_000n,
      currency: 'EUR',
      fee: 50n,
      reference: 'rent',
      providerReference: 'SBX-1',
      confirmationId: null,
      failureReason: null,
      relatedTransferId: null,
    });
    const input = {
      transferId,
      entryKey: `transfer-return-${newId()}/return`,
      providerReference: `RET-${newId()}`,
      amountMinor: '2000',
      reason: 'account closed',
      refundFee: true,
      actor: { role: 'system' as const, sub: 'provider' },
    };
    await runRepeatedly(() => activities.bookTransferReturn(input));
    expect(balancesOf(await reload(sql, account)).balance).toBe(2_050n);
    expect(await getTransfer(sql, transferId)).toMatchObject({
      status: 'Returned',
      returnedAmount: 2_000n,
      returnReason: 'account closed',
    });
    expect(await countEvents(transferId, 'transfer.returned')).toBe(1);
    expect(await countAudit(transferId, 'transfer.returned')).toBe(1);
    // A second report under another reference finds it Returned: refused, nothing moves.
    await expect(
      activities.bookTransferReturn({ ...input, entryKey: `${input.entryKey}-2`, providerReference: 'RET-other' }),
    ).rejects.toMatchObject({
      type: 'INVALID_STATE_TRANSITION',
    });
    expect(balancesOf(await reload(sql, account)).balance).toBe(2_050n);
  });

  it('approval steps run five times: one row, one audit row per change', async () => {
    const approvalId = newId();
    const request = {
      approvalId,
      action: 'payment.reverse' as const,
      request: { paymentId: newId() },
      requestedBy: ops,
      note: 'n',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    };
    await runRepeatedly(() => activities.recordApprovalRequest(request));
    const approver = { role: 'ops' as const, sub: 'approver' };
    await runRepeatedly(() => activities.closeApproval({ approvalId, status: 'approved', actor: approver, reason: null }));
    await runRepeatedly(() => activities.recordApprovalResult({ approvalId, result: { paymentId: 'x' } }));
    expect(await getApproval(sql, approvalId)).toMatchObject({ status: 'approved', decidedBySub: 'approver', result: { paymentId: 'x' } });
    expect(await countAudit(approvalId, 'approval.requested')).toBe(1);
    expect(await countAudit(approvalId, 'approval.approved')).toBe(1);
  });
});
