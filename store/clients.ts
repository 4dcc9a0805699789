import type { PageRequest } from '../domain/paging';
import { type Queryable, whereAll } from '../ledger/db';

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
  createdAt: Date;
  updatedAt: Date;
}

export type NewClient = Pick<
  ClientRow,
  'id' | 'type' | 'firstName' | 'lastName' | 'companyName' | 'email' | 'phone' | 'country' | 'externalId'
>;

/** Inserts a client; with an externalId already taken, returns the existing client and `created: false`. */
export async function insertClient(sql: Queryable, client: NewClient): Promise<{ client: ClientRow; created: boolean }> {
  const [inserted] = await sql<[ClientRow?]>`
    INSERT INTO clients (id, type, first_name, last_name, company_name, email, phone, country, external_id)
    VALUES (${client.id}, ${client.type}, ${client.firstName}, ${client.lastName}, ${client.companyName},
            ${client.email}, ${client.phone}, ${client.country}, ${client.externalId})
    ON CONFLICT (external_id) DO NOTHING
    RETURNING *`;
  if (inserted) return { client: inserted, created: true };
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
