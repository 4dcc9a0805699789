import { addDays, dayStart, yesterday } from '../domain/calendar';
import type { Currency } from '../domain/currency';
import { ValidationError } from '../domain/errors';
import { newId } from '../domain/ids';
import type { Page } from '../domain/paging';
import { type DailyBalanceRow, listDailyBalances } from '../ledger/snapshots';
import type { dailyAccountBalanceWorkflow } from '../workflows/ledgerOperations';
import type { UseCaseDeps } from './deps';
import { toDomainError } from './workflowCalls';

/** The longest range one recalculation rebuilds. */
export const MAX_RECALCULATION_DAYS = 366;

export interface DailyBalance {
  accountId: string;
  date: string;
  currency: Currency;
  openingBalance: bigint;
  debits: bigint;
  credits: bigint;
  closingBalance: bigint;
  held: bigint;
}

const encodeCursor = (row: DailyBalanceRow) => Buffer.from(`d:${row.date}:${row.accountId}`).toString('base64url');

function decodeCursor(cursor: string | undefined): { date: string; accountId: string } | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const match = /^d:(\d{4}-\d{2}-\d{2}):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2]) throw new ValidationError('cursor is not valid', 'cursor');
  return { date: match[1], accountId: match[2] };
}

/** A day that has not begun yet is refused: there is nothing to snapshot. */
function notInFuture(date: string, field: string, now: Date): void {
  if (dayStart(date) > now) throw new ValidationError(`${date} is in the future`, field);
}

/** End-of-day balance snapshots: started as workflows, read from their table. */
export function createDailyBalanceUseCases({ sql, temporal, taskQueue }: Pick<UseCaseDeps, 'sql' | 'temporal' | 'taskQueue'>) {
  async function start(workflowId: string, input: Parameters<typeof dailyAccountBalanceWorkflow>[0]): Promise<string> {
    try {
      const handle = await temporal.workflow.start<typeof dailyAccountBalanceWorkflow>('dailyAccountBalanceWorkflow', {
        workflowId,
        taskQueue,
        args: [input],
        // A date already being snapshotted answers with that run; a finished one runs again.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
      return handle.workflowId;
    } catch (error) {
      throw toDomainError(error);
    }
  }

  /** Snapshots every account for `date` (default yesterday; today means as of now). */
  async function snapshot(date: string | undefined): Promise<{ workflowId: string; date: string }> {
    const now = new Date();
    const day = date ?? yesterday(now);
    notInFuture(day, 'date', now);
    return { workflowId: await start(`daily-account-balance-${day}`, { from: day, to: day }), date: day };
  }

  /** Rebuilds the snapshots of a range from the journal (the first day from the journal alone). */
  async function recalculate(from: string, to: string): Promise<{ workflowId: string; from: string; to: string }> {
    const now = new Date();
    notInFuture(to, 'to', now);
    if (dayStart(to) < dayStart(from)) throw new ValidationError('to must not be before from', 'to');
    if (addDays(from, MAX_RECALCULATION_DAYS) <= to) throw new ValidationError(`at most ${MAX_RECALCULATION_DAYS} days at once`, 'to');
    const workflowId = await start(`daily-account-balance-recalculate-${from}-${to}-${newId()}`, { from, to, fromJournal: true });
    return { workflowId, from, to };
  }

  async function list(
    filter: { accountId?: string; from?: string; to?: string },
    page: { limit: number; cursor?: string },
  ): Promise<Page<DailyBalance>> {
    for (const field of ['from', 'to'] as const) if (filter[field] !== undefined) dayStart(filter[field] as string);
    const rows = await listDailyBalances(sql, { ...filter, after: decodeCursor(page.cursor), limit: page.limit });
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(({ asOf: _asOf, ...b }) => b),
      nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null,
    };
  }

  return { snapshot, recalculate, list };
}

export type DailyBalanceUseCases = ReturnType<typeof createDailyBalanceUseCases>;
