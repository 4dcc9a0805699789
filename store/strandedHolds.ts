import { paymentWorkflowId, transferWorkflowId } from '../domain/ids';
import type { Queryable } from '../ledger/db';

/**
 * A hold (a pending journal entry, neither posted nor voided) whose payment or transfer has
 * already finished: nothing will ever release it. It should not exist; ops release it by hand.
 */
export interface StrandedHold {
  pendingId: string;
  accountId: string;
  amount: bigint;
  currency: string;
  paymentId: string | null;
  transferId: string | null;
  /** The finished status of the payment or transfer. */
  ownerStatus: string;
  createdAt: Date;
}

const FINISHED_PAYMENT = ['Posted', 'Cancelled'];
const FINISHED_TRANSFER = ['Completed', 'Failed', 'Cancelled', 'Returned', 'Expired'];

/** Stranded holds, oldest first; `pendingId` narrows it to one. */
export async function findStrandedHolds(sql: Queryable, options: { pendingId?: string; limit: number }): Promise<StrandedHold[]> {
  return sql<StrandedHold[]>`
    SELECT j.id AS pending_id, j.debit_account_id AS account_id, j.amount, j.currency, j.payment_id, j.transfer_id,
           coalesce(p.status, t.status) AS owner_status, j.created_at
    FROM journal_entries j
    LEFT JOIN payments p ON p.id = j.payment_id
    LEFT JOIN transfers t ON t.id = j.transfer_id
    WHERE j.kind = 'pending'
      AND NOT EXISTS (SELECT 1 FROM journal_entries r WHERE r.pending_id = j.id)
      AND (p.status = ANY(${FINISHED_PAYMENT}) OR t.status = ANY(${FINISHED_TRANSFER}))
      ${options.pendingId === undefined ? sql`` : sql`AND j.id = ${options.pendingId}`}
    ORDER BY j.seq
    LIMIT ${options.limit}`;
}

/** How many holds are left on finished payments and transfers (the metric; cheap, no Temporal call). */
export async function countStrandedHolds(sql: Queryable): Promise<number> {
  const [row] = await sql<[{ count: bigint }]>`
    SELECT count(*) AS count
    FROM journal_entries j
    LEFT JOIN payments p ON p.id = j.payment_id
    LEFT JOIN transfers t ON t.id = j.transfer_id
    WHERE j.kind = 'pending'
      AND NOT EXISTS (SELECT 1 FROM journal_entries r WHERE r.pending_id = j.id)
      AND (p.status = ANY(${FINISHED_PAYMENT}) OR t.status = ANY(${FINISHED_TRANSFER}))`;
  return Number(row.count);
}

/** Tells whether a workflow has ended (completed, failed, terminated, timed out, or is gone). */
export type WorkflowEnded = (workflowId: string) => Promise<boolean>;

/** How many owners still marked live are checked against Temporal in one call (each is one describe). */
const MAX_LIVE_OWNERS_CHECKED = 200;

/**
 * Stranded holds whatever the read model says: those of finished payments and transfers, and
 * those whose payment or transfer still looks live but whose workflow has ended (a run failed or
 * terminated with money held): nothing would ever release them either.
 */
export async function findStrandedHoldsEverywhere(
  sql: Queryable,
  workflowEnded: WorkflowEnded,
  options: { pendingId?: string; limit: number },
): Promise<StrandedHold[]> {
  const finished = await findStrandedHolds(sql, options);
  const live = await sql<StrandedHold[]>`
    SELECT j.id AS pending_id, j.debit_account_id AS account_id, j.amount, j.currency, j.payment_id, j.transfer_id,
           coalesce(p.status, t.status, 'unrecorded') AS owner_status, j.created_at
    FROM journal_entries j
    LEFT JOIN payments p ON p.id = j.payment_id
    LEFT JOIN transfers t ON t.id = j.transfer_id
    WHERE j.kind = 'pending'
      AND (j.payment_id IS NOT NULL OR j.transfer_id IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM journal_entries r WHERE r.pending_id = j.id)
      AND NOT (coalesce(p.status = ANY(${FINISHED_PAYMENT}), false) OR coalesce(t.status = ANY(${FINISHED_TRANSFER}), false))
      ${options.pendingId === undefined ? sql`` : sql`AND j.id = ${options.pendingId}`}
    ORDER BY j.seq
    LIMIT ${MAX_LIVE_OWNERS_CHECKED}`;
  const ended = new Map<string, Promise<boolean>>();
  const stranded: StrandedHold[] = [];
  for (const hold of live) {
    const workflowId = hold.paymentId ? paymentWorkflowId(hold.paymentId) : transferWorkflowId(hold.transferId as string);
    if (!ended.has(workflowId)) ended.set(workflowId, workflowEnded(workflowId));
    if (await ended.get(workflowId)) stranded.push({ ...hold, ownerStatus: `${hold.ownerStatus} (workflow ended)` });
  }
  return [...finished, ...stranded].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).slice(0, options.limit);
}

export interface HoldRelease {
  pendingId: string;
  voidId: string;
  paymentId: string | null;
  transferId: string | null;
  actor: string;
  note: string;
  createdAt: Date;
}

export async function insertHoldRelease(sql: Queryable, release: Omit<HoldRelease, 'createdAt'>): Promise<void> {
  await sql`
    INSERT INTO hold_releases (pending_id, void_id, payment_id, transfer_id, actor, note)
    VALUES (${release.pendingId}, ${release.voidId}, ${release.paymentId}, ${release.transferId}, ${release.actor}, ${release.note})
    ON CONFLICT (pending_id) DO NOTHING`;
}

export async function getHoldRelease(sql: Queryable, pendingId: string): Promise<HoldRelease | undefined> {
  const [row] = await sql<[HoldRelease?]>`SELECT * FROM hold_releases WHERE pending_id = ${pendingId}`;
  return row;
}
