import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DEFAULT_HTTP_LIMITS } from '../../config/env';
import { DomainError, ErrorCode } from '../../domain/errors';
import { documentFileName } from '../../domain/fileName';
import { toPageRequest } from '../../domain/paging';
import type { DocumentOwner, DocumentRow } from '../../store/documents';
import type { AuthEnv } from '../auth';
import { success } from '../envelope';
import { openUpload } from '../multipart';
import { failures, newRouter, type RouteDeps, responses, security } from '../router';
import { Timestamp, Uuid } from '../schemas';
import { PageQuery, pageOf } from '../schemas/paging';

/**
 * Supporting documents of transfers (a client's own; the back office sees all) and KYC documents
 * of clients (back office). Uploads stream: api/bodyLimit.ts gives these routes (and only these,
 * multipart only) the document bound instead of the JSON one, and the use case enforces the
 * document limit while the bytes arrive.
 */

export const DocumentSchema = z
  .object({
    id: Uuid,
    fileName: z.string().openapi({
      description:
        'The name given at upload without control, bidirectional or other invisible characters, with the extension of the detected type',
      maxLength: 200,
    }),
    contentType: z.enum(['application/pdf', 'image/png', 'image/jpeg']),
    size: z.number().int(),
    sha256: z.string().openapi({ description: 'Hex SHA-256 of the bytes, computed while they were received' }),
    type: z.enum(['invoice', 'contract', 'id', 'other']),
    createdAt: Timestamp,
  })
  .openapi('Document');

const documentView = (d: DocumentRow) => ({
  id: d.id,
  fileName: documentFileName(d.fileName, d.contentType),
  contentType: d.contentType,
  size: Number(d.size),
  sha256: d.sha256,
  type: d.type,
  createdAt: d.createdAt.toISOString(),
});

// A plain OpenAPI schema, not zod: @hono/zod-openapi would otherwise parse (and buffer) the form.
const UploadForm = {
  body: {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object' as const,
          properties: {
            file: {
              type: 'string' as const,
              format: 'binary',
              // No minLength: on a binary field openapi-generator's Go client calls strlen on a file (does not build).
              description: 'pdf, png or jpeg (judged by its content, else 415), not empty, at most 10 MiB',
            },
            type: { type: 'string' as const, enum: ['invoice', 'contract', 'id', 'other'], description: 'default other' },
          },
          required: ['file'],
        },
      },
    },
  },
};

const BINARY = { schema: { type: 'string' as const, format: 'binary' } };

const TransferOwner = z.object({ transferId: Uuid });
const ClientOwner = z.object({ clientId: Uuid });

type OwnerKind = 'transfer' | 'client';
const ownerParams = (kind: OwnerKind) => (kind === 'transfer' ? TransferOwner : ClientOwner);

const uploadRoute = (path: string, kind: OwnerKind, tag: string) =>
  createRoute({
    method: 'post',
    path,
    tags: [tag],
    summary: 'Upload a document (multipart field `file`, optional `type`); stored with its sha256',
    description:
      'The body is bounded before it is read (10 MiB of file plus the form; a declared larger Content-Length is 413 at once) and ' +
      'is read only after the token is checked. The stored name takes the extension of the detected type. A transfer that is ' +
      'final takes no more documents (422 INVALID_STATE_TRANSITION). Each client may store a configured volume a day ' +
      '(DOCUMENT_DAILY_BYTES_PER_CLIENT, default 100 MiB): past it 429 RATE_LIMITED until the UTC day ends; an API process ' +
      'streams a configured number of uploads at once (HTTP_MAX_CONCURRENT_UPLOADS): past it 429 with Retry-After.',
    security,
    request: { params: ownerParams(kind), ...UploadForm },
    responses: responses(201, DocumentSchema, 'The stored document', [404, 413, 415, 422, 429]),
  });

const listRoute = (path: string, kind: OwnerKind, tag: string) =>
  createRoute({
    method: 'get',
    path,
    tags: [tag],
    summary: 'The documents, newest first',
    security,
    request: { params: ownerParams(kind), query: z.object(PageQuery) },
    responses: responses(200, pageOf(DocumentSchema), 'A page of documents', [404]),
  });

const downloadRoute = (path: string, kind: OwnerKind, tag: string) =>
  createRoute({
    method: 'get',
    path,
    tags: [tag],
    summary: 'The document’s bytes, with Content-Type and Content-Disposition',
    security,
    request: { params: ownerParams(kind).extend({ documentId: Uuid }) },
    responses: {
      ...failures([404]),
      200: {
        description: 'The bytes as uploaded',
        content: { 'application/pdf': BINARY, 'image/png': BINARY, 'image/jpeg': BINARY },
      },
    },
  });

const ROUTES = {
  transfer: {
    upload: [uploadRoute('/Transfers/{transferId}/Documents', 'transfer', 'Documents')],
    list: [
      listRoute('/Transfers/{transferId}/Documents', 'transfer', 'Documents'),
      listRoute('/internal/Transfers/{transferId}/Documents', 'transfer', 'Documents (system)'),
    ],
    download: [
      downloadRoute('/Transfers/{transferId}/Documents/{documentId}', 'transfer', 'Documents'),
      downloadRoute('/internal/Transfers/{transferId}/Documents/{documentId}', 'transfer', 'Documents (system)'),
    ],
  },
  client: {
    upload: [uploadRoute('/internal/Clients/{clientId}/Documents', 'client', 'ClientProfile')],
    list: [listRoute('/internal/Clients/{clientId}/Documents', 'client', 'ClientProfile')],
    download: [downloadRoute('/internal/Clients/{clientId}/Documents/{documentId}', 'client', 'ClientProfile')],
  },
};

/** The upload routes as patterns over a request path: only these take bodies past the JSON bound (api/bodyLimit.ts). */
export const UPLOAD_PATHS: readonly RegExp[] = [...ROUTES.transfer.upload, ...ROUTES.client.upload].map(
  (route) => new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
);

/**
 * Uploads this process streams at once: each holds a file descriptor and a little memory for as
 * long as its client takes to send 10 MiB, so their number is bounded like everything else.
 */
function uploadSlots(max: number) {
  let busy = 0;
  return {
    take(): () => void {
      if (busy >= max) {
        throw new DomainError(ErrorCode.RATE_LIMITED, `at most ${max} uploads at once; try again shortly`, { retryAfterSeconds: 1 });
      }
      busy += 1;
      let released = false;
      return () => {
        if (!released) busy -= 1;
        released = true;
      };
    },
  };
}

const ownerOf = (params: { transferId?: string; clientId?: string }): DocumentOwner =>
  params.transferId !== undefined
    ? { kind: 'transfer', transferId: params.transferId }
    : { kind: 'client', clientId: params.clientId as string };

/** A Content-Disposition that keeps any file name intact (RFC 6266 filename*). */
const disposition = (fileName: string) =>
  `attachment; filename="${fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;

export function documentRoutes({ useCases, http }: RouteDeps) {
  const router = newRouter();
  const slots = uploadSlots((http ?? DEFAULT_HTTP_LIMITS).maxConcurrentUploads);
  const documents = useCases.documents;
  const caller = (c: Context<AuthEnv>) => c.get('caller');

  for (const kind of ['transfer', 'client'] as const) {
    for (const route of ROUTES[kind].upload) {
      router.openapi(route, async (c) => {
        const open = () => openUpload(c.req.raw.body, c.req.header('content-type'));
        const release = slots.take();
        try {
          const document = await documents.upload(caller(c), ownerOf(c.req.valid('param')), open);
          return c.json(success(documentView(document)), 201);
        } finally {
          release();
        }
      });
    }
    for (const route of ROUTES[kind].list) {
      router.openapi(route, async (c) => {
        const q = c.req.valid('query');
        const page = await documents.list(caller(c), ownerOf(c.req.valid('param')), toPageRequest(q.limit, q.cursor));
        return c.json(success({ items: page.items.map(documentView), nextCursor: page.nextCursor }), 200);
      });
    }
    for (const route of ROUTES[kind].download) {
      router.openapi(route, async (c) => {
        const params = c.req.valid('param');
        const { document, body } = await documents.download(caller(c), ownerOf(params), params.documentId);
        return c.body(body, 200, {
          'Content-Type': document.contentType,
          'Content-Length': String(document.size),
          // Always a download, never rendered: the type is the detected one and must not be sniffed,
          // and a browser that renders it anyway gets a sandbox with nothing allowed.
          'Content-Disposition': disposition(documentFileName(document.fileName, document.contentType)),
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': "default-src 'none'; sandbox",
        }) as never;
      });
    }
  }
  return router;
}
