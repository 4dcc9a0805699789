import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Activities } from '../../activities';
import { withBusinessFailures } from '../../activities/failures';
import type { FxTransferInput, OutgoingTransferInput } from '../../contract/types';
import { DomainError, ErrorCode } from '../../domain/errors';
import { fxTransferInput, outgoingTransferInput } from '../support/workflowInputs';
import { findOrInstallTestServer, timeSkippingEnvironment } from './testServer';

/**
 * The confirmable-transfer skeleton (workflows/confirmableTransfer.ts) through both of its kinds,
 * outgoing and FX, on Temporal's time-skipping test server: the real workflow bundle, with the
 * activities stubbed through the same activity interface (and the same business-failure wrapper as
 * the real ones) by an in-memory bank that records what each step did. Each path ends with the
 * hold settled or released exactly once, never both, never neither.
 */
const lookup = findOrInstallTestServer((line) => console.log(`[time-skipping] ${line}`));
const RIGHT_CODE = '123456';
const WRONG_CODE = '654321';
const WINDOW_MS = 30 * 60_000;

/** What a test makes a transfer's steps do. */
interface Behaviour {
  /** A wrong code locks the confirmation for good (the attempts are used up). */
  wrongCodeLocks?: boolean;
  /** The first code cannot be sent, for good. */
  sendFails?: boolean;
  /** The provider refuses every submission (a technical fault): its retry budget runs out. */
  providerDown?: boolean;
}

type HoldEnd = { settled: true } | { released: string; reason: string | null };

/** The in-memory bank behind the stubbed activities: one hold per transfer, and how it ended. */
class StubBank {
  readonly behaviour = new Map<string, Behaviour>();
  readonly holds = new Map<string, HoldEnd[]>();
  readonly statuses = new Map<string, string[]>();

  private end(transferId: string, how: HoldEnd) {
    const ends = this.holds.get(transferId);
    if (!ends) throw new Error(`no hold of ${transferId}`);
    // A step run again under the same ids finds its earlier effect (the real ledger's entry ids).
    if (ends.length === 0) ends.push(how);
  }

  private check(transferId: string, code: string) {
    if (code === RIGHT_CODE) return;
    if (this.behaviour.get(transferId)?.wrongCodeLocks) {
      throw new DomainError(ErrorCode.OTP_ATTEMPTS_EXCEEDED, 'too many wrong codes: the confirmation is locked for good', { locked: true });
    }
    throw new DomainError(ErrorCode.OTP_INVALID, 'wrong code');
  }

  private send(transferId: string, sendId: string | undefined) {
    if (sendId === 'first' && this.behaviour.get(transferId)?.sendFails)
      throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE, 'no notifier');
    return { expiresAt: new Date(Date.now() + 300_000).toISOString() };
  }

  /** The stubs, by the worker's activity names and types. */
  readonly activities: Pick<
    Activities,
    | 'openOutgoingTransfer'
    | 'sendTransferCode'
    | 'checkTransferCode'
    | 'setTransferStatus'
    | 'submitToProvider'
    | 'awaitProviderDecision'
    | 'settleOutgoing'
    | 'releaseOutgoing'
    | 'openFxTransfer'
    | 'sendFxCode'
    | 'settleFx'
    | 'releaseFx'
  > = {
    openOutgoingTransfer: withBusinessFailures(async ({ record }) => void this.holds.set(record.transferId, [])),
    openFxTransfer: withBusinessFailures(async ({ record }) => void this.holds.set(record.transferId, [])),
    sendTransferCode: withBusinessFailures(async ({ record, sendId }) => this.send(record.transferId, sendId)),
    sendFxCode: withBusinessFailures(async ({ record, sendId }) => this.send(record.transferId, sendId)),
    checkTransferCode: withBusinessFailures(async (input) => this.check(input.confirmationId, 'code' in input ? input.code : '')),
    setTransferStatus: withBusinessFailures(async ({ transferId, status }) => {
      this.statuses.set(transferId, [...(this.statuses.get(transferId) ?? []), status]);
    }),
    submitToProvider: withBusinessFailures(async ({ record }) => {
      if (this.behaviour.get(record.transferId)?.providerDown) throw new Error('the provider does not answer');
      return { providerReference: `ref-${record.transferId}` };
    }),
    awaitProviderDecision: withBusinessFailures(async () => ({ accepted: true as const })),
    settleOutgoing: withBusinessFailures(async ({ record }) => this.end(record.transferId, { settled: true })),
    settleFx: withBusinessFailures(async ({ record }) => this.end(record.transferId, { settled: true })),
    releaseOutgoing: withBusinessFailures(async ({ record, status, reason }) => this.end(record.transferId, { released: status, reason })),
    releaseFx: withBusinessFailures(async ({ record, status, reason }) => this.end(record.transferId, { released: status, reason })),
  };
}

/** The confirmation id is the transfer id here, so the stub bank knows whose code it checks. */
function outgoingInput(transferId: string, type: 'Internal' | 'Sepa'): OutgoingTransferInput {
  const internal = type === 'Internal';
  const input = outgoingTransferInput({
    transferId,
    type,
    confirmationId: transferId,
    recipientAccountId: internal ? randomUUID() : null,
    recipientClientId: internal ? randomUUID() : null,
  });
  return { ...input, confirmationWindowMs: WINDOW_MS, providerRetry: { submitAttempts: 2, submitIntervalMs: 100, decisionAttempts: 3 } };
}

/** `now` is the test server's clock, which runs ahead of this process's once a test skipped time. */
function fxInput(transferId: string, now: number, quoteMs: number): FxTransferInput {
  return fxTransferInput({ transferId, confirmationId: transferId }, now, quoteMs);
}

/** The two kinds, and what each ends in on the skeleton's shared paths. */
const KINDS = [
  {
    kind: 'outgoing',
    workflowType: 'outgoingTransferWorkflow',
    input: (id: string, _now: number) => outgoingInput(id, 'Internal'),
    windowEnds: { status: 'Cancelled', reason: 'not confirmed in time' },
    failed: { status: 'Failed', reason: 'the transfer could not be completed' },
  },
  {
    kind: 'FX',
    workflowType: 'fxTransferWorkflow',
    input: (id: string, now: number) => fxInput(id, now, WINDOW_MS),
    windowEnds: { status: 'Expired', reason: 'the quote expired before it was confirmed' },
    failed: { status: 'Cancelled', reason: 'the exchange could not be completed' },
  },
] as const;

/** The business code an update was refused with. */
async function refusal(update: Promise<unknown>): Promise<string | undefined> {
  const error = await update.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((error as WorkflowUpdateFailedError).cause as { type?: string } | undefined)?.type;
}

describe('the confirmable-transfer skeleton, outgoing and FX, with stub activities on the time-skipping server', () => {
  let env: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const bank = new StubBank();
  const taskQueue = 'confirmable-transfer';

  beforeAll(async () => {
    if ('skip' in lookup) return;
    env = await timeSkippingEnvironment(lookup.path);
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: bank.activities,
    });
    running = worker.run();
  }, 180_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  /** Starts a transfer, waits for it to be created (PendingConfirmation), and gives its handle. */
  async function started(
    skip: (note: string) => never,
    workflowType: string,
    input: (id: string, now: number) => unknown,
    behaviour: Behaviour = {},
  ) {
    if ('skip' in lookup) skip(lookup.skip);
    if (!env) throw new Error('the environment is created in beforeAll');
    const id = randomUUID();
    bank.behaviour.set(id, behaviour);
    const args = [input(id, await env.currentTimeMs())];
    return { id, env, handle: await env.client.workflow.start(workflowType, { taskQueue, workflowId: `transfer-${id}`, args }) };
  }

  /** Starts a transfer and waits for it to be created (the API's `created` update). */
  async function created(...args: Parameters<typeof started>) {
    const run = await started(...args);
    return { ...run, state: (await run.handle.executeUpdate('created')) as { status: string } };
  }

  describe.each(KINDS)('$kind', ({ workflowType, input, windowEnds, failed }) => {
    it('is confirmed with the right code and settled', async ({ skip }) => {
      const { id, handle, state } = await created(skip, workflowType, input);
      expect(state).toEqual({ status: 'PendingConfirmation' });
      await handle.executeUpdate('confirm', { args: [{ code: RIGHT_CODE }] });
      expect(await handle.result()).toEqual({ status: 'Completed' });
      expect(bank.holds.get(id)).toEqual([{ settled: true }]);
    });

    it('refuses a wrong code, then takes the right one', async ({ skip }) => {
      const { id, handle } = await created(skip, workflowType, input);
      expect(await refusal(handle.executeUpdate('confirm', { args: [{ code: WRONG_CODE }] }))).toBe(ErrorCode.OTP_INVALID);
      expect(await handle.query('state')).toEqual({ status: 'PendingConfirmation' });
      await handle.executeUpdate('confirm', { args: [{ code: RIGHT_CODE }] });
      expect(await handle.result()).toEqual({ status: 'Completed' });
      expect(bank.holds.get(id)).toEqual([{ settled: true }]);
    });

    it('is cancelled, its hold released, when a wrong code locks the confirmation for good', async ({ skip }) => {
      const { id, handle } = await created(skip, workflowType, input, { wrongCodeLocks: true });
      expect(await refusal(handle.executeUpdate('confirm', { args: [{ code: WRONG_CODE }] }))).toBe(ErrorCode.OTP_ATTEMPTS_EXCEEDED);
      expect(await handle.result()).toEqual({ status: 'Cancelled' });
      expect(bank.holds.get(id)).toEqual([{ released: 'Cancelled', reason: 'the code was locked after too many wrong attempts' }]);
    });

    it('is cancelled by the client, its hold released', async ({ skip }) => {
      const { id, handle } = await created(skip, workflowType, input);
      expect(await handle.executeUpdate('cancel')).toEqual({ status: 'Cancelled' });
      expect(await handle.result()).toEqual({ status: 'Cancelled' });
      expect(bank.holds.get(id)).toEqual([{ released: 'Cancelled', reason: 'cancelled by the client' }]);
    });

    it('ends by itself when its 30-minute window closes unconfirmed, its hold released', async ({ skip }) => {
      const { id, env, handle } = await created(skip, workflowType, input);
      const before = await env.currentTimeMs();
      // Waiting on the result lets the server skip time to the window's end.
      expect(await handle.result()).toEqual({ status: windowEnds.status });
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(WINDOW_MS - 60_000);
      expect(bank.holds.get(id)).toEqual([{ released: windowEnds.status, reason: windowEnds.reason }]);
    });

    it('releases its hold when a step of its own flow fails for good (the first code cannot be sent)', async ({ skip }) => {
      const { id, handle } = await started(skip, workflowType, input, { sendFails: true });
      expect(await handle.result()).toEqual({ status: failed.status });
      expect(bank.holds.get(id)).toEqual([{ released: failed.status, reason: failed.reason }]);
    });
  });

  it('outgoing through the provider: Stuck when its retry budget runs out, holding the money until ops execute it', async ({ skip }) => {
    const { id, handle } = await created(skip, 'outgoingTransferWorkflow', (i) => outgoingInput(i, 'Sepa'), { providerDown: true });
    await handle.executeUpdate('confirm', { args: [{ code: RIGHT_CODE }] });
    let state: unknown;
    for (let i = 0; i < 100; i++) {
      state = await handle.query('state');
      if ((state as { status: string }).status === 'Stuck') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toEqual({ status: 'Stuck' });
    // Money may have left with the provider: nothing is released while it is Stuck.
    expect(bank.holds.get(id)).toEqual([]);
    expect(bank.statuses.get(id)).toEqual(['Confirmed', 'Processing', 'Stuck']);
    await handle.executeUpdate('execute', { args: [{ actor: 'ops-1', note: 'paid by hand', providerReference: 'manual-1' }] });
    expect(await handle.result()).toEqual({ status: 'Completed' });
    expect(bank.holds.get(id)).toEqual([{ settled: true }]);
  });

  it('FX: a confirm after the quote expired is refused and ends it Expired, its hold released', async ({ skip }) => {
    // A quote that expires a millisecond after it was locked.
    const { id, handle } = await created(skip, 'fxTransferWorkflow', (i, now) => fxInput(i, now, 1));
    // Whether the confirm or the expiry timer comes first, the answer is the same.
    expect(await refusal(handle.executeUpdate('confirm', { args: [{ code: RIGHT_CODE }] }))).toBe(ErrorCode.QUOTE_EXPIRED);
    expect(await handle.result()).toEqual({ status: 'Expired' });
    expect(bank.holds.get(id)).toEqual([{ released: 'Expired', reason: 'the quote expired before it was confirmed' }]);
  });
});
