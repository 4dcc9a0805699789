import type { ApprovalActionType, ApprovalStatus } from '../domain/approval';
import type { Caller } from '../domain/caller';
import type { PageRequest } from '../domain/paging';
import { atomically, type Queryable, whereAll } from '../ledger/db';
import { recordAudit } from './audit';

/**
 * Four-eyes approvals (migration 016): the approval workflow writes its row, each change with its
 * audit row in the same transaction; the API reads it.
 */
export interface ApprovalRow {
  id: string;
  seq: bigint;
  action: ApprovalActionType;
  request: Record<string, unknown>;
  requestedByRole: Caller['role'];
  requestedBySub: string;
  status: ApprovalStatus;
  decidedByRole: Caller['role'] | null;
  decidedBySub: string | null;
  decidedAt: Date | null;
  rejectReason: string | null;
  result: Record<string, unknown> | null;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewApproval {
  id: string;
  action: ApprovalActionType;
  request: Record<string, unknown>;
  requestedBy: Caller;
  note: string | null;
  expiresAt: Date;
}

/** Inserts the pending approval once, audited as `approval.requested`; a repeat writes nothing. */
export async function insertApproval(sql: Queryable, a: NewApproval): Promise<void> {
  await atomically(sql, async (tx) => {
    const [row] = await tx<[ApprovalRow?]>`
      INSERT INTO approvals (id, action, request, requested_by_role, requested_by_sub, status, expires_at)
      VALUES (${a.id}, ${a.action}, ${tx.json(a.request as never)}, ${a.requestedBy.role}, ${a.requestedBy.sub}, 'pending', ${a.expiresAt})
      ON CONFLICT (id) DO NOTHING
      RETURNING *`;
    if (!row) return;
    await recordAudit(tx, {
      actor: a.requestedBy,
      action: 'approval.requested',
      resourceType: 'approval',
      resourceId: a.id,
      note: a.note,
      after: { status: 'pending', action: a.action, request: a.request },
    });
  });
}

export interface ApprovalClosing {
  status: Exclude<ApprovalStatus, 'pending'>;
  /** Who decided; for an expiry, the workflow itself (a system actor). */
  actor: Caller;
  reason: string | null;
}

/** Moves a pending approval to its decision once, audited as `approval.<status>`; a repeat writes nothing. */
export async function closeApproval(sql: Queryable, id: string, closing: ApprovalClosing): Promise<void> {
  await atomically(sql, async (tx) => {
    const [row] = await tx<[ApprovalRow?]>`
      UPDATE approvals SET status = ${closing.status}, decided_by_role = ${closing.actor.role}, decided_by_sub = ${closing.actor.sub},
        decided_at = now(), reject_reason = ${closing.reason}, updated_at = now()
      WHERE id = ${id} AND status = 'pending'
      RETURNING *`;
    if (!row) return;
    await recordAudit(tx, {
      actor: closing.actor,
      action: `approval.${closing.status}`,
      resourceType: 'approval',
      resourceId: id,
      note: closing.reason,
      before: { status: 'pending' },
      after: { status: closing.status },
    });
  });
}

/** What the approved action did; written once. */
export async function setApprovalResult(sql: Queryable, id: string, result: Record<string, unknown>): Promise<void> {
  await sql`UPDATE approvals SET result = ${sql.json(result as never)}, updated_at = now() WHERE id = ${id} AND result IS NULL`;
}

export async function getApproval(sql: Queryable, id: string): Promise<ApprovalRow | undefined> {
  const [row] = await sql<[ApprovalRow?]>`SELECT * FROM approvals WHERE id = ${id}`;
  return row;
}

/** Newest first, limit + 1 rows (see toPage). */
export async function listApprovals(sql: Queryable, filter: { status?: ApprovalStatus }, page: PageRequest): Promise<ApprovalRow[]> {
  return sql<ApprovalRow[]>`
    SELECT * FROM approvals
    WHERE ${whereAll(sql, [
      filter.status === undefined ? null : sql`status = ${filter.status}`,
      page.afterSeq === undefined ? null : sql`seq < ${page.afterSeq}`,
    ])}
    ORDER BY seq DESC
    LIMIT ${page.limit + 1}`;
}
