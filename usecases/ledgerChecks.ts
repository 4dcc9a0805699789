import { dayStart, utcDate, yesterday } from '../domain/calendar';
import { NotFoundError, ValidationError } from '../domain/errors';
import { newId } from '../domain/ids';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import {
  type CheckKind,
  type CheckResult,
  type CheckRun,
  checkResults,
  getCheckRun,
  listCheckRuns,
  openCheckRun,
} from '../store/ledgerChecks';
import type { accountBalanceCheckWorkflow, dailyCheckWorkflow } from '../workflows/ledgerOperations';
import type { UseCaseDeps } from './deps';
import { toDomainError } from './workflowCalls';

export interface CheckSummary {
  name: string;
  status: 'passed' | 'failed';
  offending: number;
  /** The offending rows (details only), at most 1000. */
  rows?: unknown[];
}

export interface CheckReport {
  run: CheckRun;
  checks: CheckSummary[];
}

const summary = (r: CheckResult, withRows: boolean): CheckSummary => ({
  name: r.name,
  status: r.offending > 0 ? 'failed' : 'passed',
  offending: r.offending,
  ...(withRows ? { rows: r.rows ?? [] } : {}),
});

/** The daily consistency check and the account balance check job: started as workflows, read from their results. */
export function createLedgerCheckUseCases({ sql, temporal, taskQueue }: Pick<UseCaseDeps, 'sql' | 'temporal' | 'taskQueue'>) {
  async function start(kind: CheckKind, date: string): Promise<{ checkId: string; workflowId: string }> {
    const checkId = newId();
    const workflowType = kind === 'daily' ? 'dailyCheckWorkflow' : 'accountBalanceCheckWorkflow';
    const workflowId = `${kind === 'daily' ? 'daily-check' : 'account-balance-check'}-${checkId}`;
    // Listed as running from this answer on, before the workflow's first step.
    await openCheckRun(sql, { id: checkId, kind, date, workflowId });
    try {
      await temporal.workflow.start<typeof dailyCheckWorkflow | typeof accountBalanceCheckWorkflow>(workflowType, {
        workflowId,
        taskQueue,
        args: [{ checkId, date }],
      });
    } catch (error) {
      throw toDomainError(error);
    }
    return { checkId, workflowId };
  }

  /** Runs the daily check for `date` (default yesterday). */
  async function startDaily(date: string | undefined) {
    const now = new Date();
    const day = date ?? yesterday(now);
    if (dayStart(day) > now) throw new ValidationError(`${day} is in the future`, 'date');
    return start('daily', day);
  }

  /** counters_match_journal over every account, now. */
  async function startAccountBalanceCheck() {
    return start('account_balance', utcDate(new Date()));
  }

  async function reports(runs: CheckRun[], withRows: boolean): Promise<CheckReport[]> {
    const results = await checkResults(
      sql,
      runs.map((r) => r.id),
      withRows,
    );
    return runs.map((run) => ({ run, checks: results.filter((r) => r.checkId === run.id).map((r) => summary(r, withRows)) }));
  }

  /** Runs newest first. */
  async function list(filter: { kind?: CheckKind; from?: string; to?: string }, page: PageRequest): Promise<Page<CheckReport>> {
    for (const field of ['from', 'to'] as const) if (filter[field] !== undefined) dayStart(filter[field] as string);
    const runs = await listCheckRuns(sql, { ...filter, beforeSeq: page.afterSeq, limit: page.limit });
    const found = toPage(runs, page.limit, (r) => r);
    return { items: await reports(found.items, false), nextCursor: found.nextCursor };
  }

  /** One run with the offending rows of each check. */
  async function details(checkId: string): Promise<CheckReport> {
    const run = await getCheckRun(sql, checkId);
    if (!run) throw new NotFoundError('check', checkId);
    const [report] = await reports([run], true);
    return report as CheckReport;
  }

  return { startDaily, startAccountBalanceCheck, list, details };
}

export type LedgerCheckUseCases = ReturnType<typeof createLedgerCheckUseCases>;
