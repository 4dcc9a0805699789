import type { Caller } from '../domain/caller';
import type { EventType } from '../domain/events';
import type { TransferLimits } from '../domain/limits';
import type { PageRequest } from '../domain/paging';
import { lockAccountsOfClient, setClientBlockedOnAccounts } from '../ledger/accounts';
import { atomically, type Queryable, type Sql, type TransactionSql, whereAll } from '../ledger/db';
import { recordEvent } from '../ledger/events';
import { recordAudit } from './audit';

export type ClientType = 'individual' | 'business';
export type ClientStatus = 'active' | 'blocked' | 'closed';

export interface ClientRow {
  id: string;
  seq: bigint;
  type: ClientType;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  email: string;
  phone: string | null;
  country: string;
  externalId: string | null;
  status: ClientStatus;
  statusReason: string | null;
  limits: TransferLimits;
  createdAt: Date;
  updatedAt: Date;
}

export type NewClient = Pick<
  ClientRow,
  'id' | 'type' | 'firstName' | 'lastName' | 'companyName' | 'email' | 'phone' | 'country' | 'externalId'
>;

/** Inserts a client; with an externalId already taken, returns the existing client and `created: false`. */
export async function insertClient(sql: Queryable, client: NewClient): Promise<{ client: ClientRow; created: boolean }> {
  return atomically(sql, (tx) => insertClientWithEvent(tx, client));
}

async function insertClientWithEvent(sql: TransactionSql, client: NewClient): Promise<{ client: ClientRow; created: boolean }> {
  const [inserted] = await sql<[ClientRow?]>`
    INSERT INTO clients (id, type, first_name, last_name, company_name, email, phone, country, external_id)
    VALUES (${client.id}, ${client.type}, ${client.firstName}, ${client.lastName}, ${client.companyName},
            ${client.email}, ${client.phone}, ${client.country}, ${client.externalId})
    ON CONFLICT (external_id) DO NOTHING
    RETURNING *`;
  if (inserted) {
    await recordClientEvent(sql, 'client.created', inserted);
    return { client: inserted, created: true };
  }
  const [existing] = await sql<[ClientRow]>`SELECT * FROM clients WHERE external_id = ${client.externalId}`;
  return { client: existing, created: false };
}

export async function getClient(sql: Queryable, id: string): Promise<ClientRow | undefined> {
  const [row] = await sql<[ClientRow?]>`SELECT * FROM clients WHERE id = ${id}`;
  return row;
}

export interface ClientFilter {
  status?: ClientStatus;
  type?: ClientType;
  /** Case-insensitive part of a name or the e-mail. */
  search?: string;
}

/** Clients newest first, limit + 1 rows (see toPage). */
export async function listClients(sql: Queryable, filter: ClientFilter, page: PageRequest): Promise<ClientRow[]> {
  const pattern = filter.search === undefined ? undefined : `%${filter.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  const where = whereAll(sql, [
    filter.status !== undefined ? sql`status = ${filter.status}` : null,
    filter.type !== undefined ? sql`type = ${filter.type}` : null,
    pattern !== undefined
      ? sql`(first_name ILIKE ${pattern} OR last_name ILIKE ${pattern} OR company_name ILIKE ${pattern} OR email ILIKE ${pattern})`
      : null,
    page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null,
  ]);
  return sql<ClientRow[]>`SELECT * FROM clients WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}

/** Profile fields a client's profile may change (type and externalId never do). */
export type ClientChanges = Partial<Pick<ClientRow, 'firstName' | 'lastName' | 'companyName' | 'email' | 'phone' | 'country' | 'limits'>>;

export async function updateClient(sql: Sql, id: string, changes: ClientChanges, actor: Caller): Promise<ClientRow | undefined> {
  return sql.begin(async (tx) => {
    const [before] = await tx<[{ limits: TransferLimits }?]>`SELECT limits FROM clients WHERE id = ${id} FOR UPDATE`;
    const row = await updateClientRow(tx, id, changes);
    if (!row) return row;
    await recordClientEvent(tx, 'client.updated', row);
    // Limits are a control the back office sets: a change is audited with what they were.
    if (changes.limits !== undefined && JSON.stringify(before?.limits ?? {}) !== JSON.stringify(row.limits)) {
      await recordAudit(tx, {
        actor,
        action: 'client.limits_changed',
        resourceType: 'client',
        resourceId: id,
        before: { limits: before?.limits ?? {} },
        after: { limits: row.limits },
      });
    }
    return row;
  });
}

async function updateClientRow(sql: TransactionSql, id: string, changes: ClientChanges): Promise<ClientRow | undefined> {
  const set = (field: keyof ClientChanges, column: string) =>
    changes[field] === undefined
      ? sql``
      : sql`${sql(column)} = ${field === 'limits' ? sql.json(changes.limits as never) : (changes[field] as string | null)},`;
  const [row] = await sql<[ClientRow?]>`
    UPDATE clients SET
      ${set('firstName', 'first_name')} ${set('lastName', 'last_name')} ${set('companyName', 'company_name')}
      ${set('email', 'email')} ${set('phone', 'phone')} ${set('country', 'country')} ${set('limits', 'limits')}
      updated_at = now()
    WHERE id = ${id}
    RETURNING *`;
  return row;
}

/**
 * Blocks or unblocks a client. Its accounts' client_blocked flag changes in the same transaction,
 * under the accounts' row locks that every debit takes too: a debit either committed before the
 * block, or sees it and is refused. Accounts are locked first, in id order, like every ledger write.
 * Each change of status or reason joins the client's status history and the audit log in the same
 * transaction; the row keeps the reason of its latest change (an unblock's, if it gave one).
 */
export async function setClientBlocked(
  sql: Sql,
  id: string,
  blocked: boolean,
  reason: string | null,
  actor: Caller,
): Promise<ClientRow | undefined> {
  return sql.begin(async (tx) => {
    await lockAccountsOfClient(tx, id);
    const [previous] = await tx<[{ status: ClientStatus; statusReason: string | null }?]>`
      SELECT status, status_reason FROM clients WHERE id = ${id} FOR UPDATE`;
    const status: ClientStatus = blocked ? 'blocked' : 'active';
    // A repeat without a reason (an unblock) keeps the row as it is: idempotent.
    const nextReason = reason ?? (previous?.status === status ? previous.statusReason : null);
    const [row] = await tx<[ClientRow?]>`
      UPDATE clients SET status = ${status}, status_reason = ${nextReason}, updated_at = now()
      WHERE id = ${id} AND status <> 'closed'
      RETURNING *`;
    if (!row || !previous) return row;
    await setClientBlockedOnAccounts(tx, id, blocked);
    const statusChanged = previous.status !== row.status;
    // A repeated block (a new reason, say) is no new event: the status did not change.
    if (statusChanged) await recordClientEvent(tx, blocked ? 'client.blocked' : 'client.unblocked', row);
    if (statusChanged || previous.statusReason !== row.statusReason) {
      await tx`
        INSERT INTO client_status_history (client_id, status, reason, actor_role, actor_sub)
        VALUES (${id}, ${row.status}, ${row.statusReason}, ${actor.role}, ${actor.sub})`;
      await recordAudit(tx, {
        actor,
        action: blocked ? 'client.blocked' : 'client.unblocked',
        resourceType: 'client',
        resourceId: id,
        note: row.statusReason,
        before: { status: previous.status, reason: previous.statusReason },
        after: { status: row.status, reason: row.statusReason },
      });
    }
    return row;
  });
}

export interface StatusChangeRow {
  status: ClientStatus;
  reason: string | null;
  at: Date;
  actorRole: Caller['role'];
  actorSub: string;
}

/** Every block and unblock of the client, oldest first. */
export async function statusHistoryOf(sql: Queryable, clientId: string): Promise<StatusChangeRow[]> {
  return sql<StatusChangeRow[]>`
    SELECT status, reason, at, actor_role, actor_sub FROM client_status_history WHERE client_id = ${clientId} ORDER BY id`;
}

/** The client without its limits: its events' `data`, and the API's client (api/views.ts adds the limits). */
export function clientSummaryView(c: ClientRow) {
  return {
    id: c.id,
    type: c.type,
    firstName: c.firstName,
    lastName: c.lastName,
    companyName: c.companyName,
    email: c.email,
    phone: c.phone,
    country: c.country,
    externalId: c.externalId,
    status: c.status,
    statusReason: c.statusReason,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

function recordClientEvent(tx: TransactionSql, type: EventType, row: ClientRow) {
  return recordEvent(tx, { type, aggregateType: 'client', aggregateId: row.id, clientId: row.id, data: clientSummaryView(row) });
}

/** The client's row locked for a transfer in progress: its limits, and transfers of the same client queue here. */
export async function lockClientLimits(sql: Queryable, id: string): Promise<TransferLimits | undefined> {
  const [row] = await sql<[{ limits: TransferLimits }?]>`SELECT limits FROM clients WHERE id = ${id} FOR UPDATE`;
  return row?.limits;
}
