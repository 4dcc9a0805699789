import type { PageRequest } from '../domain/paging';
import { type Queryable, whereAll } from '../ledger/db';

export interface RecipientRow {
  id: string;
  seq: bigint;
  clientId: string;
  name: string;
  iban: string | null;
  accountNumber: string | null;
  bic: string | null;
  country: string;
  currency: string;
  type: 'individual' | 'business';
  hidden: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type NewRecipient = Omit<RecipientRow, 'seq' | 'hidden' | 'createdAt' | 'updatedAt'>;

export async function insertRecipient(sql: Queryable, r: NewRecipient): Promise<RecipientRow> {
  const [row] = await sql<[RecipientRow]>`
    INSERT INTO recipients (id, client_id, name, iban, account_number, bic, country, currency, type)
    VALUES (${r.id}, ${r.clientId}, ${r.name}, ${r.iban}, ${r.accountNumber}, ${r.bic}, ${r.country}, ${r.currency}, ${r.type})
    RETURNING *`;
  return row;
}

/** A client's recipient; another client's is as good as missing. */
export async function getRecipient(sql: Queryable, clientId: string, id: string): Promise<RecipientRow | undefined> {
  const [row] = await sql<[RecipientRow?]>`SELECT * FROM recipients WHERE id = ${id} AND client_id = ${clientId}`;
  return row;
}

export async function setRecipientHidden(sql: Queryable, clientId: string, id: string, hidden: boolean): Promise<RecipientRow | undefined> {
  const [row] = await sql<[RecipientRow?]>`
    UPDATE recipients SET hidden = ${hidden}, updated_at = now() WHERE id = ${id} AND client_id = ${clientId} RETURNING *`;
  return row;
}

export async function listRecipients(
  sql: Queryable,
  clientId: string,
  filter: { currency?: string; hidden?: boolean },
  page: PageRequest,
): Promise<RecipientRow[]> {
  const where = whereAll(sql, [
    sql`client_id = ${clientId}`,
    filter.currency !== undefined ? sql`currency = ${filter.currency}` : null,
    filter.hidden !== undefined ? sql`hidden = ${filter.hidden}` : null,
    page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null,
  ]);
  return sql<RecipientRow[]>`SELECT * FROM recipients WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}

/** Any client's recipient (the back office). */
export async function findRecipient(sql: Queryable, id: string): Promise<RecipientRow | undefined> {
  const [row] = await sql<[RecipientRow?]>`SELECT * FROM recipients WHERE id = ${id}`;
  return row;
}

/** Every client's recipients, newest first, limit + 1 rows (see toPage). */
export async function listAllRecipients(
  sql: Queryable,
  filter: { clientId?: string; currency?: string; hidden?: boolean },
  page: PageRequest,
): Promise<RecipientRow[]> {
  const where = whereAll(sql, [
    filter.clientId !== undefined ? sql`client_id = ${filter.clientId}` : null,
    filter.currency !== undefined ? sql`currency = ${filter.currency}` : null,
    filter.hidden !== undefined ? sql`hidden = ${filter.hidden}` : null,
    page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null,
  ]);
  return sql<RecipientRow[]>`SELECT * FROM recipients WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}
