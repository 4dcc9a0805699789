import { ApplicationFailure, continueAsNew, patched, uuid4, workflowInfo } from '@temporalio/workflow';
import { daysBetween, yesterday } from '../domain/calendar';
import { CHECK_FAILED, SINGLE_CHECKS } from '../domain/ledgerChecks';
import { batchJobs } from './activityPolicies';

const jobs = batchJobs;

const DEFAULT_BATCH = 500;
/** Past this many history events a job continues as a new run (where it left off). */
const HISTORY_LIMIT = 8_000;

/**
 * Patch: the consistency checks continue as new past HISTORY_LIMIT, as the balance snapshots do.
 * Their batch loop runs once per 500 accounts, so on a large ledger one run would reach Temporal's
 * 50,000-event limit and be terminated. Asked only once the limit is passed: a run of the old code
 * that already went past it (no marker) keeps its one long history.
 */
export const CHECKS_CONTINUE_AS_NEW = 'checks-continue-as-new';

export interface DailyBalanceInput {
  /** First day (default: the day before the run started, UTC). */
  from?: string;
  /** Last day, included (default: from). */
  to?: string;
  /** Rebuild the first day from the journal alone, ignoring older snapshots (a recalculation). */
  fromJournal?: boolean;
  batchSize?: number;
  /** Where a run that continued as new resumes within `from`. */
  afterSeq?: string;
}

export interface DailyBalanceResult {
  from: string;
  to: string;
  snapshots: number;
  changed: number;
}

/**
 * Snapshots every account's balances for each day of a range, in batches of accounts; each
 * (account, day) is an upsert that changes only what was wrong. Run daily by the schedule
 * `daily-account-balance` (no input: the day before), and by the API for a date or a range.
 */
export async function dailyAccountBalanceWorkflow(input: DailyBalanceInput = {}): Promise<DailyBalanceResult> {
  const from = input.from ?? yesterday(new Date());
  const to = input.to ?? from;
  const limit = input.batchSize ?? DEFAULT_BATCH;
  let snapshots = 0;
  let changed = 0;
  for (const date of daysBetween(from, to)) {
    let afterSeq = date === from ? (input.afterSeq ?? '0') : '0';
    for (;;) {
      const batch = await jobs.snapshotBalances({ date, afterSeq, limit, fromJournal: Boolean(input.fromJournal) && date === from });
      snapshots += batch.count;
      changed += batch.changed;
      if (batch.lastSeq === null || batch.count < limit) break;
      afterSeq = batch.lastSeq;
      if (workflowInfo().historyLength > HISTORY_LIMIT) {
        await continueAsNew<typeof dailyAccountBalanceWorkflow>({ ...input, from: date, to, afterSeq });
      }
    }
  }
  return { from, to, snapshots, changed };
}

export interface CheckInput {
  /** Chosen by the API so it can answer with it; a scheduled run makes one. */
  checkId?: string;
  /** The day the date-bound checks look at (default: the day before the run started). */
  date?: string;
  batchSize?: number;
  /** Where a run that continued as new resumes the batches over every account. */
  resume?: { part: number; afterSeq: string };
  /** History length past which the run continues as new (default HISTORY_LIMIT; tests set it low). */
  historyLimit?: number;
}

export interface CheckOutcome {
  checkId: string;
  date: string;
  status: 'passed';
}

/**
 * counters_match_journal over every account, a batch per activity (each batch a part of the
 * result); past the history limit the run continues as new with `continueWith`, where it left off.
 */
async function countersOverEveryAccount(
  checkId: string,
  input: CheckInput,
  continueWith: (resume: NonNullable<CheckInput['resume']>) => Promise<never>,
): Promise<void> {
  const limit = input.batchSize ?? DEFAULT_BATCH;
  let afterSeq = input.resume?.afterSeq ?? '0';
  for (let part = input.resume?.part ?? 0; ; part++) {
    const batch = await jobs.checkCountersBatch({ checkId, part, afterSeq, limit });
    if (batch.lastSeq === null || batch.count < limit) return;
    afterSeq = batch.lastSeq;
    if (workflowInfo().historyLength > (input.historyLimit ?? HISTORY_LIMIT) && patched(CHECKS_CONTINUE_AS_NEW)) {
      await continueWith({ part: part + 1, afterSeq });
    }
  }
}

/** Ends the run; a failed one ends the workflow failed, so it stands out in the Temporal UI. */
async function finish(checkId: string, kind: 'daily' | 'account_balance', date: string): Promise<CheckOutcome> {
  const result = await jobs.finishLedgerCheck({ checkId, kind });
  if (result.status === 'failed') {
    const names = result.failed.map((f) => `${f.name} (${f.offending})`).join(', ');
    throw ApplicationFailure.create({
      type: CHECK_FAILED,
      message: `check ${checkId} for ${date} failed: ${names}`,
      nonRetryable: true,
      details: [{ checkId, date, failed: result.failed }],
    });
  }
  return { checkId, date, status: 'passed' };
}

/**
 * The daily consistency check: every named check, results stored with their offending rows. Run
 * by the schedule `daily-check` (for the day before) and by POST /internal/DailyCheck.
 */
export async function dailyCheckWorkflow(input: CheckInput = {}): Promise<CheckOutcome> {
  const checkId = input.checkId ?? uuid4();
  const date = input.date ?? yesterday(new Date());
  // A run that continued as new already opened the check and ran the single checks.
  if (!input.resume) {
    await jobs.openLedgerCheck({ checkId, kind: 'daily', date, workflowId: workflowInfo().workflowId });
    for (const name of SINGLE_CHECKS) await jobs.runLedgerCheck({ checkId, name, date });
  }
  await countersOverEveryAccount(checkId, input, (resume) => continueAsNew<typeof dailyCheckWorkflow>({ ...input, checkId, date, resume }));
  return finish(checkId, 'daily', date);
}

/** The AccountBalanceCheckJob: counters_match_journal over every account, listed with the daily checks. */
export async function accountBalanceCheckWorkflow(input: CheckInput = {}): Promise<CheckOutcome> {
  const checkId = input.checkId ?? uuid4();
  const date = input.date ?? new Date().toISOString().slice(0, 10);
  if (!input.resume) await jobs.openLedgerCheck({ checkId, kind: 'account_balance', date, workflowId: workflowInfo().workflowId });
  await countersOverEveryAccount(checkId, input, (resume) =>
    continueAsNew<typeof accountBalanceCheckWorkflow>({ ...input, checkId, date, resume }),
  );
  return finish(checkId, 'account_balance', date);
}
