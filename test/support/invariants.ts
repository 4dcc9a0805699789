import { expect } from 'vitest';
import { checkInvariants, formatInvariantReport } from '../../ledger/consistency';
import type { Sql } from '../../ledger/db';

const json = (value: unknown) => formatInvariantReport(value as never);

/**
 * The ledger invariants of DESIGN.md against the whole database: per currency the balances sum
 * to zero, every account's counters equal its journal, no client account below zero available,
 * every pending entry resolved at most once. Call it in afterAll of every suite that moves money.
 */
export async function expectLedgerInvariants(sql: Sql): Promise<void> {
  const report = await checkInvariants(sql);
  expect(report.unbalancedCurrencies, json(report.unbalancedCurrencies)).toEqual([]);
  expect(report.counterMismatches, json(report.counterMismatches)).toEqual([]);
  expect(report.overdrawnAccounts, json(report.overdrawnAccounts)).toEqual([]);
  expect(report.badResolutions, json(report.badResolutions)).toEqual([]);
  expect(report.currencyMismatches, json(report.currencyMismatches)).toEqual([]);
  expect(report.ok).toBe(true);
}
