import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { withBusinessFailures } from '../../activities/failures';
import { DEFAULT_FEES } from '../../domain/transferPricing';
import { testEnv } from '../support/env';
import { useTestApi } from '../support/suite';
import { fxTransferInput, outgoingTransferInput } from '../support/workflowInputs';

/**
 * Poison never loops: each workflow is started directly through the Temporal client (past the
 * API's validation) with inputs no request could carry, and must end at once as Rejected with
 * VALIDATION_ERROR, leaving the ledger and the read models untouched.
 */
const api = useTestApi();

const validPayment = () => ({
  paymentId: randomUUID(),
  debitAccountId: randomUUID(),
  creditAccountId: randomUUID(),
  amountMinor: '100',
  currency: 'EUR',
  description: null,
  reference: null,
  mode: 'immediate',
  holdExpiresAt: null,
});

const validOutgoing = () => ({ ...outgoingTransferInput(), fees: DEFAULT_FEES });

const validFx = () => fxTransferInput();

const validIncoming = () => ({
  transferId: randomUUID(),
  providerReference: `PR-${randomUUID()}`,
  amountMinor: '100',
  currency: 'EUR',
  senderName: null,
  senderIban: null,
  receiverAccountNumber: null,
  receiverIban: 'DE02120300000000202051',
  reference: null,
});

type Poison = [string, string, (input: any) => unknown];

const poisons: Poison[] = [
  ['paymentWorkflow', 'a NUL in the description', (i) => ({ ...i, description: 'a\u0000b' })],
  ['paymentWorkflow', 'an amount that is not a number', (i) => ({ ...i, amountMinor: 'abc' })],
  ['paymentWorkflow', 'a negative amount', (i) => ({ ...i, amountMinor: '-5' })],
  ['paymentWorkflow', 'an account id that is not a UUID', (i) => ({ ...i, debitAccountId: "'; DROP TABLE accounts; --" })],
  ['paymentWorkflow', 'an unknown mode', (i) => ({ ...i, mode: 'later' })],
  ['paymentWorkflow', 'a hold expiry that is no date', (i) => ({ ...i, mode: 'draft', holdExpiresAt: 'soon' })],
  ['outgoingTransferWorkflow', 'a NUL in the reference', (i) => ({ ...i, record: { ...i.record, reference: 'x\u0000' } })],
  ['outgoingTransferWorkflow', 'an amount past bigint', (i) => ({ ...i, record: { ...i.record, amountMinor: '9'.repeat(40) } })],
  ['outgoingTransferWorkflow', 'no recipient', (i) => ({ ...i, record: { ...i.record, recipient: null } })],
  ['outgoingTransferWorkflow', 'a negative retry budget', (i) => ({ ...i, providerRetry: { ...i.providerRetry, submitAttempts: -1 } })],
  // Passed "non-negative" checks once; the SDK then threw compiling the retry policy after the hold.
  ['outgoingTransferWorkflow', 'no provider attempts', (i) => ({ ...i, providerRetry: { ...i.providerRetry, submitAttempts: 0 } })],
  ['outgoingTransferWorkflow', 'no decision attempts', (i) => ({ ...i, providerRetry: { ...i.providerRetry, decisionAttempts: 0 } })],
  ['outgoingTransferWorkflow', 'a confirmation window of 0 ms', (i) => ({ ...i, confirmationWindowMs: 0 })],
  ['incomingTransferWorkflow', 'a NUL in the sender name', (i) => ({ ...i, senderName: 'A\u0000' })],
  ['incomingTransferWorkflow', 'a currency in lower case', (i) => ({ ...i, currency: 'eur' })],
  ['incomingTransferWorkflow', 'an empty provider reference', (i) => ({ ...i, providerReference: '' })],
  ['fxTransferWorkflow', 'a rate that is a float in disguise', (i) => ({ ...i, record: { ...i.record, rate: '1e3' } })],
  ['fxTransferWorkflow', 'one currency on both sides', (i) => ({ ...i, record: { ...i.record, buyCurrency: 'EUR' } })],
  ['fxTransferWorkflow', 'an expiry that is no date', (i) => ({ ...i, record: { ...i.record, quoteExpiresAt: 'later' } })],
];

const valid: Record<string, () => any> = {
  paymentWorkflow: validPayment,
  outgoingTransferWorkflow: validOutgoing,
  incomingTransferWorkflow: validIncoming,
  fxTransferWorkflow: validFx,
};

describe('a poisoned workflow input ends at once, with nothing written', () => {
  it.each(poisons)('%s with %s is Rejected (VALIDATION_ERROR)', async (workflowType, _what, poison) => {
    const input = poison(valid[workflowType]?.()) as any;
    const id = input.paymentId ?? input.transferId ?? input.record.transferId;
    const started = Date.now();
    const handle = await api().temporal.workflow.start(workflowType, {
      workflowId: `poison-${randomUUID()}`,
      taskQueue: testEnv().taskQueue,
      args: [input],
      workflowExecutionTimeout: '30 seconds',
    });
    const outcome = await handle.result();
    expect(outcome).toEqual({ status: 'Rejected', code: 'VALIDATION_ERROR' });
    expect(Date.now() - started).toBeLessThan(5_000);
    const history = await handle.fetchHistory();
    const activities = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
    expect(activities).toEqual([]);
    const entries = await api().sql`SELECT 1 FROM journal_entries WHERE payment_id = ${id} OR transfer_id = ${id}`;
    const rows = await api().sql`SELECT 1 FROM payments WHERE id = ${id} UNION ALL SELECT 1 FROM transfers WHERE id = ${id}`;
    expect([entries.length, rows.length]).toEqual([0, 0]);
  });

  it('a valid input of the same shape runs its activities (the checks are not refusing everything)', async () => {
    const input = validIncoming();
    const handle = await api().temporal.workflow.start('incomingTransferWorkflow', {
      workflowId: `transfer-${input.transferId}`,
      taskQueue: testEnv().taskQueue,
      args: [input],
    });
    await expect
      .poll(async () => (await handle.query<{ status: string } | null>('state'))?.status, { timeout: 10_000 })
      .toBe('Unrecognized');
    const [entry] = await api().sql<{ kind: string }[]>`SELECT kind FROM journal_entries WHERE transfer_id = ${input.transferId}`;
    expect(entry?.kind).toBe('posted');
  });
});

describe('an activity meeting poison fails for good, not again and again', () => {
  it.each([
    ['a NUL in text', () => api().sql`SELECT ${'a\u0000b'}::text`],
    ['text that is no uuid', () => api().sql`SELECT ${'nope'}::uuid`],
    ['a number out of range', () => api().sql`SELECT ${'99999999999999999999'}::bigint`],
    ['a malformed amount', async () => BigInt('12.5')],
    ['a missing field', async () => (undefined as unknown as { x: string }).x],
  ])('%s is a non-retryable VALIDATION_ERROR', async (_what, poison) => {
    const failure = await withBusinessFailures(async () => poison())().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'VALIDATION_ERROR', nonRetryable: true });
  });

  it('a database that is away stays retryable', async () => {
    const failure = await withBusinessFailures(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    })().catch((e: unknown) => e);
    expect(failure).not.toBeInstanceOf(ApplicationFailure);
  });
});
