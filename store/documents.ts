import type { PageRequest } from '../domain/paging';
import { type Queryable, whereAll } from '../ledger/db';

export const DOCUMENT_TYPES = ['invoice', 'contract', 'id', 'other'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];
export type DocumentContentType = 'application/pdf' | 'image/png' | 'image/jpeg';

/** A document's metadata; its bytes are in the document storage under storageKey. */
export interface DocumentRow {
  id: string;
  seq: bigint;
  ownerKind: 'transfer' | 'client';
  transferId: string | null;
  clientId: string | null;
  type: DocumentType;
  fileName: string;
  contentType: DocumentContentType;
  size: bigint;
  sha256: string;
  storageKey: string;
  uploadedBy: string;
  createdAt: Date;
}

export type NewDocument = Omit<DocumentRow, 'seq' | 'createdAt'>;

export async function insertDocument(sql: Queryable, d: NewDocument): Promise<DocumentRow> {
  const [row] = await sql<[DocumentRow]>`
    INSERT INTO documents (id, owner_kind, transfer_id, client_id, type, file_name, content_type, size, sha256, storage_key, uploaded_by)
    VALUES (${d.id}, ${d.ownerKind}, ${d.transferId}, ${d.clientId}, ${d.type}, ${d.fileName}, ${d.contentType}, ${d.size}, ${d.sha256},
            ${d.storageKey}, ${d.uploadedBy})
    RETURNING *`;
  return row;
}

export type DocumentOwner = { kind: 'transfer'; transferId: string } | { kind: 'client'; clientId: string };

const ownerCondition = (sql: Queryable, owner: DocumentOwner) =>
  owner.kind === 'transfer'
    ? sql`owner_kind = 'transfer' AND transfer_id = ${owner.transferId}`
    : sql`owner_kind = 'client' AND client_id = ${owner.clientId}`;

export async function getDocument(sql: Queryable, owner: DocumentOwner, id: string): Promise<DocumentRow | undefined> {
  const [row] = await sql<[DocumentRow?]>`SELECT * FROM documents WHERE id = ${id} AND ${ownerCondition(sql, owner)}`;
  return row;
}

/** An owner's documents, newest first, limit + 1 rows (see toPage). */
export async function listDocuments(sql: Queryable, owner: DocumentOwner, page: PageRequest): Promise<DocumentRow[]> {
  const where = whereAll(sql, [ownerCondition(sql, owner), page.afterSeq !== undefined ? sql`seq < ${page.afterSeq}` : null]);
  return sql<DocumentRow[]>`SELECT * FROM documents WHERE ${where} ORDER BY seq DESC LIMIT ${page.limit + 1}`;
}

/** Bytes of the documents stored for a client since a moment (its transfers' and its KYC documents). */
export async function documentBytesSince(sql: Queryable, clientId: string, since: Date): Promise<bigint> {
  const [row] = await sql<[{ bytes: bigint }]>`
    SELECT COALESCE(sum(size), 0)::bigint AS bytes FROM documents WHERE client_id = ${clientId} AND created_at >= ${since}`;
  return row.bytes;
}

/** Makes the uploads of one client take turns at their insert, so their daily volume is counted once each. */
export async function lockClientDocuments(tx: Queryable, clientId: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`documents:${clientId}`}, 0))`;
}

export async function transferHasDocument(sql: Queryable, transferId: string): Promise<boolean> {
  const [row] = await sql<[{ found: boolean }]>`
    SELECT EXISTS (SELECT 1 FROM documents WHERE owner_kind = 'transfer' AND transfer_id = ${transferId}) AS found`;
  return row.found;
}
