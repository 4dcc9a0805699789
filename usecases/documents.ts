import { createHash } from 'node:crypto';
import { DEFAULT_DOCUMENT_POLICY } from '../config/env';
import { actorOf, type Caller } from '../domain/caller';
import { DomainError, ErrorCode, NotFoundError, ValidationError } from '../domain/errors';
import { documentFileName } from '../domain/fileName';
import { newId } from '../domain/ids';
import { utcDay } from '../domain/otpPolicy';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import { isFinalTransferStatus } from '../domain/transfer';
import { getClient } from '../store/clients';
import {
  DOCUMENT_TYPES,
  type DocumentContentType,
  type DocumentOwner,
  type DocumentRow,
  type DocumentType,
  documentBytesSince,
  getDocument,
  insertDocument,
  listDocuments,
  lockClientDocuments,
} from '../store/documents';
import type { UseCaseDeps } from './deps';
import { createDocumentRequirement } from './documentRequirement';
import { createLocalDocumentStorage } from './documentStorage';
import type { TransferUseCases } from './transfers';

export type { DocumentRow };

/** An upload as the edge streams it: the file's bytes as they arrive, and the form's other fields once it is read. */
export interface Upload {
  fileName: string;
  bytes: AsyncIterable<Uint8Array>;
  /** The other form fields (`type`), complete once `bytes` has been read to the end. */
  fields: () => Promise<Record<string, string>>;
}

export interface Download {
  document: DocumentRow;
  body: ReadableStream<Uint8Array>;
}

/** What the file is, from its first bytes: pdf, png or jpeg; anything else undefined. */
export function sniffContentType(head: Uint8Array): DocumentContentType | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf'; // %PDF-
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  return undefined;
}

const SNIFF_BYTES = 8;

/**
 * The bytes passed through unchanged while their type is decided from the first of them (415 if
 * not pdf/png/jpeg, before anything is stored), their sha256 and size computed, and the size
 * limit enforced (413 as soon as it is passed: nothing is ever held whole in memory).
 */
async function* inspect(
  bytes: AsyncIterable<Uint8Array>,
  maxBytes: number,
  seen: { size: number; sha256: string; type?: DocumentContentType },
  volume: { left: number; refusal: () => DomainError },
) {
  const hash = createHash('sha256');
  let head: Uint8Array | undefined = new Uint8Array(0);
  const decide = (h: Uint8Array) => {
    const type = sniffContentType(h);
    if (!type) throw new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'the file is not a PDF, PNG or JPEG (judged by its content)');
    seen.type = type;
  };
  for await (const chunk of bytes) {
    seen.size += chunk.byteLength;
    if (seen.size > maxBytes) throw new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, `the file is larger than ${maxBytes} bytes`);
    if (seen.size > volume.left) throw volume.refusal();
    hash.update(chunk);
    if (head) {
      const joined: Uint8Array = new Uint8Array(head.byteLength + chunk.byteLength);
      joined.set(head);
      joined.set(chunk, head.byteLength);
      if (joined.byteLength < SNIFF_BYTES) {
        head = joined;
        continue;
      }
      decide(joined);
      head = undefined;
      yield joined;
      continue;
    }
    yield chunk;
  }
  if (head) {
    if (head.byteLength === 0) throw new ValidationError('the file is empty', 'file');
    decide(head);
    yield head;
  }
  seen.sha256 = hash.digest('hex');
}

/**
 * Supporting documents of transfers and KYC documents of clients: streamed to the document
 * storage with their sha256, typed by their content, metadata in Postgres. A client sees only the
 * documents of its own transfers; system and ops see all.
 */
export function createDocumentUseCases(deps: UseCaseDeps, transfers: Pick<TransferUseCases, 'visible'>) {
  const { sql } = deps;
  const policy = deps.documents ?? DEFAULT_DOCUMENT_POLICY;
  const storage = deps.documentStorage ?? createLocalDocumentStorage(policy.dir);

  async function ownerOf(caller: Caller, owner: DocumentOwner): Promise<DocumentOwner> {
    if (owner.kind === 'transfer') await transfers.visible(caller, owner.transferId);
    else if (caller.role === 'client' || !(await getClient(sql, owner.clientId))) throw new NotFoundError('client', owner.clientId);
    return owner;
  }

  /** The client whose daily volume an upload counts against; a final transfer takes no more documents. */
  async function uploadTarget(caller: Caller, owner: DocumentOwner): Promise<{ clientId: string | null }> {
    if (owner.kind === 'client') return { clientId: owner.clientId };
    const transfer = await transfers.visible(caller, owner.transferId);
    if (isFinalTransferStatus(transfer.status)) {
      throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `the transfer is ${transfer.status}: it takes no more documents`, {
        from: transfer.status,
        action: 'upload-document',
      });
    }
    return { clientId: transfer.clientId ?? null };
  }

  /** 429 until the UTC day ends: the client has stored its daily volume of documents. */
  const volumeRefusal = () => {
    const now = new Date();
    const { endsAt } = utcDay(now);
    return new DomainError(ErrorCode.RATE_LIMITED, `at most ${policy.dailyBytesPerClient} bytes of documents a day per client`, {
      retryAfterSeconds: Math.max(1, Math.ceil((endsAt.getTime() - now.getTime()) / 1000)),
    });
  };

  /**
   * Checks the owner, the transfer's status and the client's daily volume first (each refused
   * before the body is read), then streams the upload. The volume is counted again at the insert,
   * with the client's uploads taking turns, so parallel uploads cannot pass it together.
   */
  async function upload(caller: Caller, target: DocumentOwner, open: () => Promise<Upload>): Promise<DocumentRow> {
    const owner = await ownerOf(caller, target);
    const { clientId } = await uploadTarget(caller, owner);
    const dailyLimit = policy.dailyBytesPerClient ?? DEFAULT_DOCUMENT_POLICY.dailyBytesPerClient;
    const since = utcDay(new Date()).endsAt.getTime() - 24 * 3600 * 1000;
    const usedToday = clientId ? Number(await documentBytesSince(sql, clientId, new Date(since))) : 0;
    if (usedToday >= dailyLimit) throw volumeRefusal();
    const file = await open();
    const id = newId();
    const seen: { size: number; sha256: string; type?: DocumentContentType } = { size: 0, sha256: '' };
    await storage.put(id, inspect(file.bytes, policy.maxBytes, seen, { left: dailyLimit - usedToday, refusal: volumeRefusal }));
    try {
      const fields = await file.fields();
      const type = (fields.type ?? 'other') as DocumentType;
      if (!DOCUMENT_TYPES.includes(type)) throw new ValidationError(`type must be one of ${DOCUMENT_TYPES.join(', ')}`, 'type');
      const contentType = seen.type as DocumentContentType;
      return await sql.begin(async (tx) => {
        if (clientId) {
          await lockClientDocuments(tx, clientId);
          if (Number(await documentBytesSince(tx, clientId, new Date(since))) + seen.size > dailyLimit) throw volumeRefusal();
        }
        return insertDocument(tx, {
          id,
          ownerKind: owner.kind,
          transferId: owner.kind === 'transfer' ? owner.transferId : null,
          clientId,
          type,
          // The name the client gave, with the extension of what the bytes are (domain/fileName.ts).
          fileName: documentFileName(file.fileName, contentType),
          contentType,
          size: BigInt(seen.size),
          sha256: seen.sha256,
          storageKey: id,
          uploadedBy: actorOf(caller),
        });
      });
    } catch (error) {
      await storage.remove(id);
      throw error;
    }
  }

  async function list(caller: Caller, target: DocumentOwner, page: PageRequest): Promise<Page<DocumentRow>> {
    const owner = await ownerOf(caller, target);
    return toPage(await listDocuments(sql, owner, page), page.limit, (row) => row);
  }

  async function download(caller: Caller, target: DocumentOwner, documentId: string): Promise<Download> {
    const owner = await ownerOf(caller, target);
    const document = await getDocument(sql, owner, documentId);
    if (!document) throw new NotFoundError('document', documentId);
    return { document, body: await storage.get(document.storageKey) };
  }

  return { upload, list, download, requireDocumentFor: createDocumentRequirement(deps) };
}

export type DocumentUseCases = ReturnType<typeof createDocumentUseCases>;
