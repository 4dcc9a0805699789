import type { Caller } from '../domain/caller';
import { derivedId, newId } from '../domain/ids';
import type { PageRequest } from '../domain/paging';
import { type Queryable, type TransactionSql, whereAll } from '../ledger/db';

/**
 * The audit log (migration 014): one append-only row per action a system or ops caller takes that
 * moves money or changes a status, a limit or a block. Written with the transaction of the action
 * it records (`recordAudit` takes the transaction, never the pool), so the two cannot disagree.
 */

export interface AuditEntry {
  actor: Caller;
  /** A dotted verb: `payment.created`, `payment.reversed`, `client.blocked`, ... */
  action: string;
  resourceType: string;
  resourceId: string;
  note?: string | null;
  /** The fields the action changed, as they were and as they became (JSON-safe values). */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /**
   * Names the action once (a workflow step's key): an activity that runs its transaction again after
   * a lost reply records nothing twice. Without it every call is a new record.
   */
  key?: string;
}

export interface AuditRow {
  id: string;
  seq: bigint;
  at: Date;
  actorRole: Caller['role'];
  actorSub: string;
  action: string;
  resourceType: string;
  resourceId: string;
  note: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Clients act on their own things through the API's own rules; only system and ops actions are audited. */
export const isAudited = (actor: Caller) => actor.role !== 'client';

export async function recordAudit(tx: TransactionSql, entry: AuditEntry): Promise<void> {
  if (!isAudited(entry.actor)) return;
  await tx`
    INSERT INTO audit_log (id, actor_role, actor_sub, action, resource_type, resource_id, note, before, after)
    VALUES (${entry.key === undefined ? newId() : derivedId('audit', entry.key)}, ${entry.actor.role}, ${entry.actor.sub}, ${entry.action}, ${entry.resourceType},
            ${entry.resourceId}, ${entry.note ?? null}, ${entry.before ? tx.json(entry.before as never) : null},
            ${entry.after ? tx.json(entry.after as never) : null})
    ON CONFLICT (id) DO NOTHING`;
}

export interface AuditFilter {
  resourceType?: string;
  resourceId?: string;
  actorSub?: string;
  from?: Date;
  to?: Date;
}

/** Newest first: a page continues below the cursor's seq. */
export async function listAudit(sql: Queryable, filter: AuditFilter, page: PageRequest): Promise<AuditRow[]> {
  return sql<AuditRow[]>`
    SELECT * FROM audit_log
    WHERE ${whereAll(sql, [
      filter.resourceType === undefined ? null : sql`resource_type = ${filter.resourceType}`,
      filter.resourceId === undefined ? null : sql`resource_id = ${filter.resourceId}`,
      filter.actorSub === undefined ? null : sql`actor_sub = ${filter.actorSub}`,
      filter.from === undefined ? null : sql`at >= ${filter.from}`,
      filter.to === undefined ? null : sql`at < ${filter.to}`,
      page.afterSeq === undefined ? null : sql`seq < ${page.afterSeq}`,
    ])}
    ORDER BY seq DESC
    LIMIT ${page.limit + 1}`;
}
