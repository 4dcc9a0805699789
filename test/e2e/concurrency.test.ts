import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { paymentWorkflowId } from '../../domain/ids';
import type { JournalEntry } from '../../ledger/types';
import { type ApiResponse, token } from '../support/api';
import { balances, openAccount } from '../support/bankFixtures';
import { type Random, testRandom } from '../support/random';
import { useTestApi } from '../support/suite';

/**
 * Concurrency properties, driven over HTTP against the real worker: many rounds of random
 * concurrent actions on one payment or transfer, then its status, its workflow and the ledger
 * must agree, and every 200 must name a transition that happened. Seeded: a failure prints
 * TEST_SEED to rerun it. CONCURRENCY_ROUNDS changes the number of rounds.
 */
const api = useTestApi();
const ROUNDS = Number(process.env.CONCURRENCY_ROUNDS ?? 50);
/** Rounds run this many at a time, each on its own resource. */
const PARALLEL = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fires the actions together, each after a small random delay, in the order given. */
function together<A>(random: Random, actions: A[], send: (action: A) => Promise<ApiResponse>) {
  return Promise.all(actions.map(async (action) => ({ action, res: await sleep(random.int(0, 15)).then(() => send(action)) })));
}

async function inBatches(rounds: number, run: (round: number) => Promise<void>) {
  for (let first = 0; first < rounds; first += PARALLEL) {
    await Promise.all(Array.from({ length: Math.min(PARALLEL, rounds - first) }, (_, i) => run(first + i)));
  }
}

/** A refused racing action must say why with a stable code: the status that won, or "try again". */
function expectRefusedCleanly(res: ApiResponse, context: string) {
  expect([200, 409, 422], context).toContain(res.status);
  if (res.status === 409) expect(res.body.errors[0].metadata.code, context).toBe('CONCURRENT_MODIFICATION');
}

/** A six-digit code that is not `code`. */
const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

/** Pending entries not yet posted or voided. */
function liveHolds(entries: JournalEntry[]) {
  const resolved = new Set(entries.filter((e) => e.pendingId).map((e) => e.pendingId));
  return entries.filter((e) => e.kind === 'pending' && !resolved.has(e.id));
}

describe('concurrent actions on one payment', () => {
  it(`pend, post and cancel sent together: status, workflow and ledger agree (${ROUNDS} rounds)`, async () => {
    const random = testRandom();
    const payer = await openAccount(api(), 'EUR', '1000.00');
    const payee = await openAccount(api(), 'EUR');
    const finals: string[] = [];

    await inBatches(ROUNDS, async (round) => {
      const draft = await api().post('/internal/Payments/draft', {
        debitAccountId: payer.id,
        creditAccountId: payee.id,
        amount: '5.00',
        currency: 'EUR',
      });
      expect(draft.status, JSON.stringify(draft.body)).toBe(201);
      const id: string = draft.body.value.id;
      const actions = Array.from({ length: random.int(3, 6) }, () => random.pick(['pend', 'post', 'cancel'] as const));
      const answers = await together(random, actions, (action) => api().post(`/internal/Payments/${id}/${action}`));

      const payment = (await api().get(`/internal/Payments/${id}`)).body.value;
      const entries = await api().sql<JournalEntry[]>`SELECT * FROM journal_entries WHERE payment_id = ${id} ORDER BY seq`;
      const holds = entries.filter((e) => e.kind === 'pending');
      const posts = entries.filter((e) => e.kind === 'post_pending');
      const live = liveHolds(entries);
      const context = `round ${round}, payment ${id}: ${answers.map((a) => `${a.action}->${a.res.status} ${a.res.body.value?.status ?? a.res.body.errors?.[0]?.metadata?.code}`).join(', ')}; final ${payment.status}; entries ${entries.map((e) => e.kind).join(',')}`;

      // At most one hold (the funds are ample, so none is refused), and what the status says of it:
      // [holds, live holds, posts, voids] per status.
      const voids = entries.filter((e) => e.kind === 'void_pending');
      const expected: Record<string, number[][]> = {
        Draft: [[0, 0, 0, 0]],
        Pending: [[1, 1, 0, 0]],
        Posted: [[1, 0, 1, 0]],
        Cancelled: [
          [0, 0, 0, 0],
          [1, 0, 0, 1],
        ],
      };
      expect(expected[payment.status], context).toContainEqual([holds.length, live.length, posts.length, voids.length]);

      // The workflow and the read model tell the same story.
      const state = await api().temporal.workflow.getHandle(paymentWorkflowId(id)).query<{ status: string } | null>('state');
      expect(state?.status, context).toBe(payment.status);

      for (const { action, res } of answers) {
        expectRefusedCleanly(res, context);
        if (res.status === 422) expect(res.body.errors[0].metadata, context).toMatchObject({ code: 'INVALID_STATE_TRANSITION', action });
        if (res.status !== 200) continue;
        // A 200 names the transition that happened, never a status another action left behind.
        expect(res.body.value.status, `${context}: ${action}`).toBe({ pend: 'Pending', post: 'Posted', cancel: 'Cancelled' }[action]);
        if (action === 'pend') expect(holds.length, context).toBe(1);
        if (action === 'post') expect(payment.status, context).toBe('Posted');
        if (action === 'cancel') expect(payment.status, context).toBe('Cancelled');
      }
      finals.push(payment.status);
    });

    // Money held on the payer is exactly the Pending payments' holds: nothing is held for ever.
    const pending = finals.filter((s) => s === 'Pending').length;
    expect((await balances(api(), payer.id)).held).toBe(`${(pending * 5).toFixed(2)}`);
  }, 600_000);
});

describe('concurrent actions on one outgoing transfer', () => {
  it(`confirm, cancel and resend sent together: the transfer ends with its holds resolved (${ROUNDS} rounds)`, async () => {
    const random = testRandom();
    const lastCode = async (clientId: string) => {
      const res = await api().get(`/internal/Notifications?clientId=${clientId}&limit=1`);
      const code = /code is (\d{6})/.exec(res.body.value.items[0]?.body ?? '')?.[1];
      if (!code) throw new Error('no code was sent');
      return code;
    };
    const held: string[] = [];

    await inBatches(ROUNDS, async (round) => {
      // A client per round, so the last code sent to it is this transfer's.
      const account = await openAccount(api(), 'EUR', '20.00');
      const as = { token: await token('client', account.clientId) };
      held.push(account.id);
      const reference = random.next() < 0.3 ? 'REJECT round' : `round ${round}`;
      const created = await api().post(
        '/Transfers/outgoing',
        {
          accountId: account.id,
          amount: '10.00',
          currency: 'EUR',
          reference,
          recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
        },
        as,
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id: string = created.body.value.id;
      const code = await lastCode(account.clientId);
      const actions = Array.from({ length: random.int(2, 5) }, () =>
        random.pick(['confirm', 'confirm', 'cancel', 'resend', 'wrong'] as const),
      );
      const answers = await together(random, actions, (action) => {
        if (action === 'cancel') return api().request('DELETE', `/Transfers/outgoing/${id}`, undefined, as);
        if (action === 'resend') return api().post(`/Confirmations/${created.body.value.confirmationId}/resend`, {}, as);
        return api().put(`/Transfers/outgoing/${id}/confirm`, { code: action === 'wrong' ? wrongCode(code) : code }, as);
      });
      // Nothing confirmed it: cancel, so every round ends in a final status.
      const handle = api().temporal.workflow.getHandle(`transfer-${id}`);
      const before = await handle.query<{ status: string } | null>('state');
      if (before?.status === 'PendingConfirmation') {
        expect((await api().request('DELETE', `/Transfers/outgoing/${id}`, undefined, as)).status).toBe(200);
      }
      const outcome = await handle.result();

      const transfer = (await api().get(`/internal/Transfers/outgoing/${id}`)).body.value;
      const entries = await api().sql<JournalEntry[]>`SELECT * FROM journal_entries WHERE transfer_id = ${id} ORDER BY seq`;
      const holds = entries.filter((e) => e.kind === 'pending');
      const context = `round ${round}, transfer ${id} (${reference}): ${answers.map((a) => `${a.action}->${a.res.status} ${a.res.body.value?.status ?? a.res.body.errors?.[0]?.metadata?.code}`).join(', ')}; final ${transfer.status}; entries ${entries.map((e) => e.kind).join(',')}`;

      expect(['Completed', 'Failed', 'Cancelled'], context).toContain(transfer.status);
      expect(outcome.status, context).toBe(transfer.status);
      expect(holds.length, context).toBe(2); // amount and fee
      expect(liveHolds(entries), context).toEqual([]);
      const resolution = transfer.status === 'Completed' ? 'post_pending' : 'void_pending';
      expect(
        entries.filter((e) => e.pendingId).map((e) => e.kind),
        context,
      ).toEqual([resolution, resolution]);

      const confirmed = answers.some((a) => a.action === 'confirm' && a.res.status === 200);
      if (transfer.status !== 'Cancelled') expect(confirmed, context).toBe(true);
      for (const { action, res } of answers) {
        if (action === 'resend' && res.status === 429) continue;
        if (action === 'wrong' || action === 'confirm') {
          // A wrong or replaced code is refused with its own code; a lost race names the status that won.
          expect([200, 409, 422], context).toContain(res.status);
        } else {
          expectRefusedCleanly(res, context);
        }
        if (res.status !== 200) continue;
        if (action === 'cancel') expect(transfer.status, context).toBe('Cancelled');
        if (action === 'confirm') expect(['Confirmed', 'Processing', 'Completed', 'Failed'], context).toContain(res.body.value.status);
        expect(action, context).not.toBe('wrong');
      }
    });

    for (const accountId of held) expect((await balances(api(), accountId)).held).toBe('0.00');
  }, 600_000);
});

describe('concurrent ops actions on one incoming transfer', () => {
  it(`assigns sent together: one account wins, credited once in the ledger (${Math.ceil(ROUNDS / 5)} rounds)`, async () => {
    const random = testRandom();
    const targets = await Promise.all([openAccount(api(), 'EUR'), openAccount(api(), 'EUR'), openAccount(api(), 'EUR')]);
    await inBatches(Math.ceil(ROUNDS / 5), async (round) => {
      const reported = await api().post('/internal/IncomingRequests', {
        providerReference: `PR-${randomUUID()}`,
        amount: '3.00',
        currency: 'EUR',
        senderName: 'ACME',
        receiverIban: 'DE02120300000000202051',
      });
      expect(reported.body.value.status).toBe('Unrecognized');
      const id: string = reported.body.value.id;
      const choices = Array.from({ length: random.int(2, 4) }, () => random.pick(targets));
      const answers = await together(random, choices, (target) =>
        api().post(`/internal/Transfers/incoming/${id}/assign`, { accountId: target.id }, { token: api().tokens.ops }),
      );
      const context = `round ${round}, transfer ${id}: ${answers.map((a) => a.res.status).join(',')}`;
      // One account wins; an assign to that same account is a repeat of the winning one (200,
      // nothing more moves); any other account is refused.
      const won = answers.filter((a) => a.res.status === 200);
      expect(new Set(won.map((a) => a.action.id)), context).toHaveProperty('size', 1);
      for (const { res, action } of answers) if (action.id !== won[0]?.action.id) expect(res.status, context).toBe(422);
      const credits = await api().sql<JournalEntry[]>`
        SELECT * FROM journal_entries WHERE transfer_id = ${id} AND credit_account_id = ${won[0]?.action.id ?? ''}`;
      expect(credits, context).toHaveLength(1);
      expect((await api().get(`/internal/Transfers/incoming/${id}`)).body.value).toMatchObject({
        status: 'Completed',
        accountId: won[0]?.action.id,
      });
    });
  }, 600_000);
});
