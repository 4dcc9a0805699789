import { Context, log } from '@temporalio/activity';
import { workflowEndedVia } from '../contract/workflowRuns';
import { dayStart } from '../domain/calendar';
import { COUNTERS_CHECK, type SingleCheck } from '../domain/ledgerChecks';
import { badResolutions, clientsBelowZero, counterMismatchesInBatch, unbalancedCurrencies } from '../ledger/checks';
import type { Sql } from '../ledger/db';
import { brokenSnapshotChain, type SnapshotBatch, snapshotAccounts } from '../ledger/snapshots';
import {
  type CheckKind,
  type CheckRunStatus,
  finishCheckRun,
  MAX_OFFENDING_ROWS,
  openCheckRun,
  saveCheckPart,
} from '../store/ledgerChecks';
import { reconcileDay } from '../store/reconciliation';
import { findStrandedHoldsEverywhere } from '../store/strandedHolds';
import { withBusinessFailures } from './failures';
import { dailyCheckFailures } from './metrics';

/** Rows as JSON can hold them: bigints as strings, times as ISO strings. */
const plain = (rows: readonly object[]): unknown[] =>
  JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));

/** End-of-day balance snapshots and the consistency checks, each step idempotent. */
export function createLedgerOperationActivities({ sql }: { sql: Sql }) {
  /** Snapshots a batch of accounts for a day (as of now when the day has not ended). */
  async function snapshotBalances(input: { date: string; afterSeq: string; limit: number; fromJournal: boolean }): Promise<SnapshotBatch> {
    const start = dayStart(input.date);
    const end = new Date(start.getTime() + 24 * 3600 * 1000);
    const now = new Date();
    const cutoff = end < now ? end : now;
    return snapshotAccounts(sql, { ...input, dayStart: start, cutoff });
  }

  async function openLedgerCheck(input: { checkId: string; kind: CheckKind; date: string; workflowId: string }): Promise<void> {
    await openCheckRun(sql, { id: input.checkId, kind: input.kind, date: input.date, workflowId: input.workflowId });
  }

  async function findOffending(name: SingleCheck, date: string): Promise<object[]> {
    const limit = MAX_OFFENDING_ROWS;
    switch (name) {
      case 'currency_sums_zero':
        return unbalancedCurrencies(sql, limit);
      case 'no_client_below_zero':
        return clientsBelowZero(sql, limit);
      case 'holds_resolved_once':
        return badResolutions(sql, limit);
      case 'no_stranded_holds':
        // Whatever the read model says: also holds of runs that ended without releasing them.
        return findStrandedHoldsEverywhere(sql, workflowEndedVia(Context.current().client), { limit });
      case 'snapshots_chain':
        return brokenSnapshotChain(sql, date, limit);
      case 'settlement_matches_provider':
        return (await reconcileDay(sql, date, new Date())).flatMap((c) => c.breaks);
    }
  }

  /** Runs one named check and stores what it found; returns how many rows offend. */
  async function runLedgerCheck(input: { checkId: string; name: SingleCheck; date: string }): Promise<{ offending: number }> {
    const rows = await findOffending(input.name, input.date);
    await saveCheckPart(sql, { checkId: input.checkId, name: input.name, part: 0, offending: rows.length, rows: plain(rows) });
    return { offending: rows.length };
  }

  /** counters_match_journal over the next batch of accounts; `part` numbers the batch. */
  async function checkCountersBatch(input: {
    checkId: string;
    part: number;
    afterSeq: string;
    limit: number;
  }): Promise<{ count: number; lastSeq: string | null; offending: number }> {
    const { count, lastSeq, mismatches } = await counterMismatchesInBatch(sql, input.afterSeq, input.limit);
    await saveCheckPart(sql, {
      checkId: input.checkId,
      name: COUNTERS_CHECK,
      part: input.part,
      offending: mismatches.length,
      rows: plain(mismatches),
    });
    return { count, lastSeq, offending: mismatches.length };
  }

  /**
   * Ends the run: passed, or failed with every failed check logged and counted in
   * daily_check_failures_total (once per run: a retry of this step finds the run finished).
   */
  async function finishLedgerCheck(input: {
    checkId: string;
    kind: CheckKind;
  }): Promise<{ status: CheckRunStatus; failed: { name: string; offending: number }[] }> {
    const [before] = await sql<[{ status: CheckRunStatus }?]>`SELECT status FROM ledger_checks WHERE id = ${input.checkId}`;
    const { status, failed } = await finishCheckRun(sql, input.checkId);
    for (const f of failed) {
      log.error('ledger check failed', { checkId: input.checkId, kind: input.kind, check: f.name, offending: f.offending });
      if (before?.status === 'running') dailyCheckFailures.inc({ check: f.name, kind: input.kind });
    }
    return { status, failed: failed.map((f) => ({ name: f.name, offending: f.offending })) };
  }

  return {
    snapshotBalances: withBusinessFailures(snapshotBalances),
    openLedgerCheck: withBusinessFailures(openLedgerCheck),
    runLedgerCheck: withBusinessFailures(runLedgerCheck),
    checkCountersBatch: withBusinessFailures(checkCountersBatch),
    finishLedgerCheck: withBusinessFailures(finishLedgerCheck),
  };
}
