import { expect } from 'vitest';
import { type AccountRow, balancesOf } from '../../ledger/accounts';
import { checkInvariants, formatInvariantReport } from '../../ledger/checks';
import type { Sql } from '../../ledger/db';

const json = (value: unknown) => formatInvariantReport(value as never);

/**
 * The ledger invariants of docs/architecture.md against the whole database: per currency the balances sum
 * to zero, every account's counters equal its journal, no client account below zero available,
 * every pending entry resolved at most once. Call it in afterAll of every suite that moves money.
 */
export async function expectLedgerInvariants(sql: Sql): Promise<void> {
  // Suites share one database, and the daily-check suite breaks a counter on purpose for about a
  // second to see the check catch it: a violation must persist for 10 s to fail a suite here (the
  // run's teardown checks once more after every suite has finished).
  let report = await checkInvariants(sql);
  for (let waited = 0; !report.ok && waited < 10_000; waited += 500) {
    await new Promise((r) => setTimeout(r, 500));
    report = await checkInvariants(sql);
  }
  expect(report.unbalancedCurrencies, json(report.unbalancedCurrencies)).toEqual([]);
  expect(report.counterMismatches, json(report.counterMismatches)).toEqual([]);
  expect(report.overdrawnAccounts, json(report.overdrawnAccounts)).toEqual([]);
  expect(report.badResolutions, json(report.badResolutions)).toEqual([]);
  expect(report.currencyMismatches, json(report.currencyMismatches)).toEqual([]);
  expect(report.ok).toBe(true);
  // The table's generated balance columns and balancesOf are the same formulas.
  const accounts = await sql<AccountRow[]>`SELECT * FROM accounts ORDER BY seq DESC LIMIT 1000`;
  expect(accounts.length).toBeGreaterThan(0);
  for (const a of accounts) {
    const b = balancesOf(a);
    expect([a.balance, a.available], a.id).toEqual([b.balance, b.available]);
  }
  await expectEventsMatchStatuses(sql);
}

/**
 * The outbox against the read models, in one statement (one snapshot, so a change and its event are
 * both seen or neither): every payment's and transfer's last event is the status it is in, and no
 * aggregate has the same status event twice in a row (a retried step writes none).
 */
export async function expectEventsMatchStatuses(sql: Sql): Promise<void> {
  const mismatches = await sql`
    WITH aggregates AS (
      -- A reversal records payment.reversed, also when the payment stays Posted (partly reversed).
      SELECT 'payment' AS kind, id, CASE WHEN reversed_amount > 0 THEN 'payment.reversed' ELSE 'payment.' || lower(status) END AS wanted
      FROM payments
      UNION ALL
      SELECT 'transfer', id, 'transfer.' || lower(regexp_replace(status, '([a-z])([A-Z])', '\\1_\\2', 'g')) FROM transfers
    )
    SELECT a.kind, a.id, a.wanted, last.type AS last
    FROM aggregates a
    LEFT JOIN LATERAL (
      SELECT type FROM events e WHERE e.aggregate_type = a.kind AND e.aggregate_id = a.id ORDER BY aggregate_seq DESC LIMIT 1
    ) last ON true
    WHERE last.type IS DISTINCT FROM a.wanted
    LIMIT 20`;
  expect(mismatches, 'payments or transfers whose last event is not their status').toEqual([]);
  const repeats = await sql`
    SELECT a.aggregate_id, a.type FROM events a
    JOIN events b ON b.aggregate_type = a.aggregate_type AND b.aggregate_id = a.aggregate_id AND b.aggregate_seq = a.aggregate_seq + 1
    WHERE a.type = b.type AND a.aggregate_type IN ('payment', 'transfer') AND a.type NOT IN ('client.updated', 'payment.reversed')
    LIMIT 20`;
  expect(repeats, 'status events repeated in a row').toEqual([]);
}
