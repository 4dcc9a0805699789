import { atomically, type Queryable } from '../ledger/db';
import { recordEvent } from '../ledger/events';

/** Runs of the consistency checks (the daily check, the account balance check job) and what they found. */

export type CheckKind = 'daily' | 'account_balance';
export type CheckRunStatus = 'running' | 'passed' | 'failed';

/** Offending rows kept per check, over all its parts. */
export const MAX_OFFENDING_ROWS = 1000;

export interface CheckRun {
  id: string;
  seq: bigint;
  kind: CheckKind;
  date: string;
  workflowId: string;
  status: CheckRunStatus;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface CheckResult {
  checkId: string;
  name: string;
  offending: number;
  /** Only when asked for (details). */
  rows?: unknown[];
}

const RUN_COLUMNS = (sql: Queryable) =>
  sql`id, seq, kind, to_char(date, 'YYYY-MM-DD') AS date, workflow_id, status, started_at, finished_at`;

/** Records a run as running; a repeat (a retried activity, the API and the workflow both) changes nothing. */
export async function openCheckRun(sql: Queryable, run: { id: string; kind: CheckKind; date: string; workflowId: string }): Promise<void> {
  await sql`
    INSERT INTO ledger_checks (id, kind, date, workflow_id) VALUES (${run.id}, ${run.kind}, ${run.date}::date, ${run.workflowId})
    ON CONFLICT (id) DO NOTHING`;
}

/** Stores one part of a check's result; a retried part replaces itself. */
export async function saveCheckPart(
  sql: Queryable,
  part: { checkId: string; name: string; part: number; offending: number; rows: unknown[] },
): Promise<void> {
  const rows = part.rows.slice(0, MAX_OFFENDING_ROWS);
  await sql`
    INSERT INTO ledger_check_results (check_id, name, part, offending, rows)
    VALUES (${part.checkId}, ${part.name}, ${part.part}, ${part.offending}, ${sql.json(rows as never)})
    ON CONFLICT (check_id, name, part) DO UPDATE SET offending = EXCLUDED.offending, rows = EXCLUDED.rows`;
}

/** Ends a run: failed when any check found something. Returns the failed checks. */
export async function finishCheckRun(sql: Queryable, checkId: string): Promise<{ status: CheckRunStatus; failed: CheckResult[] }> {
  const failed = await sql<CheckResult[]>`
    SELECT check_id, name, sum(offending)::int AS offending FROM ledger_check_results
    WHERE check_id = ${checkId} GROUP BY check_id, name HAVING sum(offending) > 0 ORDER BY name`;
  const status: CheckRunStatus = failed.length > 0 ? 'failed' : 'passed';
  await atomically(sql, async (tx) => {
    const [run] = await tx<[CheckRun?]>`
      UPDATE ledger_checks SET status = ${status}, finished_at = coalesce(finished_at, now())
      WHERE id = ${checkId} AND status <> ${status}
      RETURNING ${RUN_COLUMNS(tx)}`;
    // daily_check.failed, once per run (a retried finish finds the status set and records nothing).
    if (run && status === 'failed' && run.kind === 'daily') {
      await recordEvent(tx, {
        type: 'daily_check.failed',
        aggregateType: 'daily_check',
        aggregateId: run.id,
        clientId: null,
        data: {
          id: run.id,
          date: run.date,
          status: run.status,
          startedAt: run.startedAt.toISOString(),
          finishedAt: run.finishedAt?.toISOString() ?? null,
          failedChecks: failed.map((f) => ({ name: f.name, offending: f.offending })),
        },
      });
    }
  });
  return { status, failed };
}

export async function getCheckRun(sql: Queryable, checkId: string): Promise<CheckRun | undefined> {
  const [row] = await sql<[CheckRun?]>`SELECT ${RUN_COLUMNS(sql)} FROM ledger_checks WHERE id = ${checkId}`;
  return row;
}

/** Runs newest first, limit + 1 rows (see toPage); `beforeSeq` is the cursor. */
export async function listCheckRuns(
  sql: Queryable,
  filter: { kind?: CheckKind; from?: string; to?: string; beforeSeq?: bigint; limit: number },
): Promise<CheckRun[]> {
  return sql<CheckRun[]>`
    SELECT ${RUN_COLUMNS(sql)} FROM ledger_checks
    WHERE TRUE
      ${filter.kind === undefined ? sql`` : sql`AND kind = ${filter.kind}`}
      ${filter.from === undefined ? sql`` : sql`AND date >= ${filter.from}::date`}
      ${filter.to === undefined ? sql`` : sql`AND date <= ${filter.to}::date`}
      ${filter.beforeSeq === undefined ? sql`` : sql`AND seq < ${filter.beforeSeq}`}
    ORDER BY seq DESC LIMIT ${filter.limit + 1}`;
}

/** Each check of these runs with its offending count (and, with `withRows`, its offending rows). */
export async function checkResults(sql: Queryable, checkIds: string[], withRows: boolean): Promise<CheckResult[]> {
  if (checkIds.length === 0) return [];
  if (!withRows) {
    return sql<CheckResult[]>`
      SELECT check_id, name, sum(offending)::int AS offending FROM ledger_check_results
      WHERE check_id = ANY(${checkIds}::uuid[]) GROUP BY check_id, name ORDER BY check_id, name`;
  }
  const parts = await sql<(CheckResult & { part: number; rows: unknown[] })[]>`
    SELECT check_id, name, part, offending, rows FROM ledger_check_results
    WHERE check_id = ANY(${checkIds}::uuid[]) ORDER BY check_id, name, part`;
  const merged = new Map<string, CheckResult & { rows: unknown[] }>();
  for (const p of parts) {
    const key = `${p.checkId}/${p.name}`;
    const m = merged.get(key) ?? { checkId: p.checkId, name: p.name, offending: 0, rows: [] };
    m.offending += p.offending;
    m.rows = [...m.rows, ...p.rows].slice(0, MAX_OFFENDING_ROWS);
    merged.set(key, m);
  }
  return [...merged.values()];
}
