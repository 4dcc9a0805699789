import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createLocalNotifier } from '../../activities/notifier';
import { createSandboxProvider } from '../../activities/provider';
import { newId } from '../../domain/ids';
import { DEFAULT_TRANSFER_LIMITS } from '../../domain/limits';
import { createSql, type Sql } from '../../ledger/db';
import { listAudit } from '../../store/audit';
import { getPayment } from '../../store/payments';
import { testEnv } from '../support/env';
import { fundedAccount } from '../support/fixtures';
import { expectLedgerInvariants } from '../support/invariants';

/**
 * What a payment at once costs Postgres from the worker: the statements of its ledger step and the
 * round trips they take (statements sent without waiting for an answer in between count as one).
 * The bounds are the counts of today's code (docs/capacity.md uses them); a change that adds a
 * statement or a wait to this path must say so here.
 */
const MAX_STATEMENTS = 8;
const MAX_ROUND_TRIPS = 5;

interface Sent {
  statements: string[];
  roundTrips: number;
}

let sql: Sql;
let sent: Sent = { statements: [], roundTrips: 0 };
beforeAll(() => {
  // One connection: the measured payment runs on a connection that has prepared its statements,
  // as the worker's connections have (a statement seen the first time waits for its description).
  sql = createSql(testEnv().databaseUrl, { max: 1 });
  // postgres.js calls its `debug` option (read from the pool's own options) with every statement
  // it sends. An answer arrives in a later turn of the event loop than the statements it answers,
  // so statements sent in one turn went out together, and each new turn with a statement is a
  // round trip.
  let inTurn = false;
  (sql.options as { debug: unknown }).debug = (_connection: number, query: string) => {
    sent.statements.push(`${sent.roundTrips + (inTurn ? 0 : 1)}: ${query.replace(/\s+/g, ' ').trim().slice(0, 60)}`);
    if (inTurn) return;
    inTurn = true;
    sent.roundTrips += 1;
    setImmediate(() => {
      inTurn = false;
    });
  };
});
afterAll(async () => {
  await expectLedgerInvariants(sql);
  await sql.end();
});

describe('a payment at once in Postgres', () => {
  it(`takes at most ${MAX_STATEMENTS} statements in ${MAX_ROUND_TRIPS} round trips, and a repeat writes nothing`, async () => {
    const activities = createActivities({
      sql,
      provider: createSandboxProvider(sql, { decisionDelayMs: 0 }),
      notifier: createLocalNotifier(sql),
      otp: { secret: 'test-secret-test-secret-test-secret', ttlMs: 60_000, maxAttempts: 5, maxResends: 3, resendIntervalMs: 1_000 },
      transferLimits: DEFAULT_TRANSFER_LIMITS,
    });
    const debit = await fundedAccount(sql, 'EUR', 10_000n);
    const credit = await fundedAccount(sql, 'EUR', 0n);
    const payment = (paymentId: string) => ({
      paymentId,
      debitAccountId: debit.id,
      creditAccountId: credit.id,
      amountMinor: '100',
      currency: 'EUR',
      description: 'statements',
      reference: null,
      postEntryKey: `payment-${paymentId}/post`,
      // As the API starts it for a system caller: the audit record is part of the path.
      createdBy: { role: 'system' as const, sub: 'bench' },
      note: null,
    });
    await activities.createPayment(payment(newId()));
    const paymentId = newId();
    const input = payment(paymentId);
    sent = { statements: [], roundTrips: 0 };
    await activities.createPayment(input);
    const first = sent;
    expect(first.statements.length, first.statements.join('\n')).toBeLessThanOrEqual(MAX_STATEMENTS);
    expect(first.roundTrips, first.statements.join('\n')).toBeLessThanOrEqual(MAX_ROUND_TRIPS);
    expect((await getPayment(sql, paymentId))?.status).toBe('Posted');
    const audit = await listAudit(sql, { resourceType: 'payment', resourceId: paymentId }, { limit: 10 });
    expect(audit.map((a) => a.action)).toEqual(['payment.created']);

    // A repeat (a retried local activity) answers the same and adds no event, no audit, no entry.
    await activities.createPayment(input);
    expect((await listAudit(sql, { resourceType: 'payment', resourceId: paymentId }, { limit: 10 })).length).toBe(1);
    const [events] = await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM events WHERE aggregate_id = ${paymentId}`;
    expect(events?.n).toBe(1);
  });
});
