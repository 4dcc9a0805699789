import { beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createLocalNotifier } from '../../activities/notifier';
import { createSandboxProvider } from '../../activities/provider';
import { paymentStateQuery } from '../../contract/paymentMessages';
import { paymentWorkflowId } from '../../domain/ids';
import { DEFAULT_TRANSFER_LIMITS } from '../../domain/limits';
import { entriesOfPayment } from '../../ledger/journal';
import { reconcile } from '../../ops/reconcile';
import { openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

/**
 * The reconciler against the real stack, with the divergence a restore leaves: a ledger step
 * committed whose workflow never recorded it (the activity's write is in the restored database,
 * the workflow task that would have recorded it is not). The step is written here by the very
 * activity the workflow runs, with the entry id the workflow derives, so the ledger is exactly
 * "ahead by one step". The reconciler must re-drive the workflow, and the ledger must not change.
 */
const api = useTestApi();
let activities: ReturnType<typeof createActivities>;

beforeAll(() => {
  const { sql } = api();
  activities = createActivities({
    sql,
    provider: createSandboxProvider(sql, { decisionDelayMs: 0 }),
    notifier: createLocalNotifier(sql),
    otp: { secret: 'test-secret-test-secret-test-secret', ttlMs: 60_000, maxAttempts: 5, maxResends: 3, resendIntervalMs: 1_000 },
    transferLimits: DEFAULT_TRANSFER_LIMITS,
  });
});

async function draftPayment(amount: string) {
  const from = await openAccount(api(), 'EUR', '100.00');
  const to = await openAccount(api(), 'EUR');
  const body = { debitAccountId: from.id, creditAccountId: to.id, amount, currency: 'EUR', description: 'restore', reference: 'r-1' };
  const draft = await api().post('/internal/Payments/draft', body);
  expect(draft.status, JSON.stringify(draft.body)).toBe(201);
  const id = draft.body.value.id as string;
  const record = {
    paymentId: id,
    debitAccountId: from.id,
    creditAccountId: to.id,
    amountMinor: String(Math.round(Number(amount) * 100)),
    currency: 'EUR',
    description: 'restore',
    reference: 'r-1',
  };
  return { id, workflowId: paymentWorkflowId(id), record };
}

const entryShape = async (paymentId: string) =>
  (await entriesOfPayment(api().sql, paymentId)).map((e) => ({ id: e.id, kind: e.kind, amount: e.amount, pendingId: e.pendingId }));

describe('reconcile after a restore: workflows behind the ledger are re-driven, the ledger stays as it is', () => {
  it('a hold in the ledger that the workflow never recorded: pend is re-sent, one hold; then the same for post', async () => {
    const { id, workflowId, record } = await draftPayment('30.00');
    const handle = api().temporal.workflow.getHandle(workflowId);
    const holdExpiresAt = new Date(Date.now() + 3_600_000).toISOString();
    await activities.holdPayment({ paymentId: id, entryKey: `${workflowId}/hold/1`, record, holdExpiresAt });
    expect((await api().get(`/internal/Payments/${id}`)).body.value.status).toBe('Pending');
    expect(await handle.query(paymentStateQuery)).toEqual({ status: 'Draft' });
    const held = await entryShape(id);
    expect(held.map((e) => e.kind)).toEqual(['pending']);

    // A dry run only reports.
    const dry = await reconcile({ sql: api().sql, temporal: api().temporal, only: [workflowId], dryRun: true });
    expect(dry.repaired).toEqual([]);
    expect(dry.forOps.map((f) => f.note)).toEqual(['still behind the ledger after would have re-sent pend']);
    expect(await handle.query(paymentStateQuery)).toEqual({ status: 'Draft' });

    const first = await reconcile({ sql: api().sql, temporal: api().temporal, only: [workflowId], settleMs: 20_000 });
    expect(first.repaired).toEqual([{ kind: 'payment', id, workflowId, ledger: 'Pending', temporal: 'Pending', note: 're-sent pend' }]);
    expect(first.forOps).toEqual([]);
    expect(await handle.query(paymentStateQuery)).toEqual({ status: 'Pending' });
    expect(await entryShape(id)).toEqual(held);

    // The post reached the ledger, not the workflow: post is re-sent, the settlement is the one already there.
    await activities.settlePayment({ paymentId: id, entryKey: `${workflowId}/post`, pendingEntryKey: `${workflowId}/hold/1` });
    const settled = await entryShape(id);
    expect(settled.map((e) => e.kind)).toEqual(['pending', 'post_pending']);
    const second = await reconcile({ sql: api().sql, temporal: api().temporal, only: [workflowId], settleMs: 20_000 });
    expect(second.repaired.map((f) => [f.ledger, f.note])).toEqual([['Posted', 're-sent post']]);
    expect(await handle.result()).toEqual({ status: 'Posted' });
    expect(await entryShape(id)).toEqual(settled);
    expect((await api().get(`/internal/Payments/${id}`)).body.value.status).toBe('Posted');

    // Nothing left to do: a third run finds them in agreement.
    const third = await reconcile({ sql: api().sql, temporal: api().temporal, only: [workflowId] });
    expect([third.repaired, third.caughtUp, third.forOps]).toEqual([[], [], []]);
  });

  it('a cancel that released the hold in the ledger only: cancel is re-sent with the recorded reason, nothing held twice', async () => {
    const { id, workflowId, record } = await draftPayment('12.50');
    const handle = api().temporal.workflow.getHandle(workflowId);
    const pend = await api().post(`/internal/Payments/${id}/pend`);
    expect(pend.status).toBe(200);
    await activities.releasePayment({
      paymentId: id,
      entryKey: `${workflowId}/void`,
      pendingEntryKey: `${workflowId}/hold/1`,
      reason: 'changed my mind',
    });
    const released = await entryShape(id);
    expect(released.map((e) => e.kind)).toEqual(['pending', 'void_pending']);
    const report = await reconcile({ sql: api().sql, temporal: api().temporal, only: [workflowId], settleMs: 20_000 });
    expect(report.repaired.map((f) => [f.ledger, f.note])).toEqual([['Cancelled', 're-sent cancel']]);
    expect(await handle.result()).toEqual({ status: 'Cancelled' });
    expect(await entryShape(id)).toEqual(released);
    expect(record.amountMinor).toBe('1250');
  });

  it('a record still open whose workflow has ended is listed for ops (Temporal ahead of the ledger), not guessed', async () => {
    const { id, workflowId } = await draftPayment('5.00');
    await api().temporal.workflow.getHandle(workflowId).terminate('the drill: as if Temporal had lost it');
    const report = await reconcile({ sql: api().sql, temporal: api().temporal, only: [workflowId] });
    expect(report.repaired).toEqual([]);
    expect(report.forOps).toEqual([
      expect.objectContaining({
        id,
        ledger: 'Draft',
        temporal: expect.stringContaining('TERMINATED'),
        note: expect.stringContaining('Temporal is ahead'),
      }),
    ]);
  });
});
