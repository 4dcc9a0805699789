import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { isSystemPath } from './auth';
import { SERVERS, TAGS } from './openapiInfo';
import { documentedCodes, statusesOfOwnCodes } from './operationErrors';
import { operationIdOf } from './operationIds';

/** The interactive reference, served from the swagger-ui-dist package: it works with no internet. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>corebank API</title>
  <link rel="icon" href="/docs/assets/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', persistAuthorization: true });</script>
</body>
</html>`;

const WRITES = new Set(['post', 'put', 'patch', 'delete']);

type Operation = {
  operationId?: string;
  tags?: string[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string; properties?: Record<string, unknown> } }> };
  responses?: Record<string, { description: string; content?: unknown }>;
  [key: string]: unknown;
};

type Doc = {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
};

/** Whether the operation takes a `currency` (query or body): then CURRENCY_NOT_SUPPORTED (422) is possible. */
function takesCurrency(doc: Doc, op: Operation): boolean {
  if ((op.parameters ?? []).some((p) => p.name === 'currency')) return true;
  const schema = op.requestBody?.content?.['application/json']?.schema;
  const resolved = schema?.$ref ? doc.components?.schemas?.[schema.$ref.split('/').pop() as string] : schema;
  return resolved?.properties?.currency !== undefined;
}

/** Headers declared once under components.headers and referenced where they occur. */
const HEADERS = {
  'X-Request-Id': {
    description:
      "The request's id: the caller's own X-Request-Id when it sent a sane one, else a new one; in every log line of the request",
    schema: { type: 'string' },
  },
  'Idempotent-Replayed': {
    description: 'true when this answer is the stored first answer to the same Idempotency-Key and body (nothing ran again)',
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (at least 1)',
    schema: { type: 'integer', minimum: 1, maximum: 86400 },
  },
  'WWW-Authenticate': {
    description: 'The scheme to authenticate with (RFC 6750): Bearer',
    schema: { type: 'string', enum: ['Bearer'] },
  },
  'Content-Disposition': {
    description: 'attachment, with the file name to save the body under',
    schema: { type: 'string' },
  },
} as const;

type HeaderName = keyof typeof HEADERS;
const ref = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });

/** The headers an answer carries, by its status (api/errors.ts, api/idempotency.ts, observability/http.ts set them). */
function headersOf(status: string, write: boolean, binary: boolean): HeaderName[] {
  const names: HeaderName[] = ['X-Request-Id'];
  if (status === '429') names.push('Retry-After');
  if (status === '401') names.push('WWW-Authenticate');
  // An upload (multipart) is never replayed: each one stores a new document (api/router.ts).
  if (write && status.startsWith('2') && !binary) names.push('Idempotent-Replayed');
  if (status === '200' && binary) names.push('Content-Disposition');
  return names;
}

const isBinaryResponse = (content: Record<string, unknown> | undefined) =>
  Object.keys(content ?? {}).some((type) => type !== 'application/json');

/** Descriptions of the statuses an operation's own codes may add (api/router.ts describes those its routes declare). */
const OWN_CODE_STATUSES: Record<number, string> = {
  409: 'Conflict with the current state (see metadata.code)',
  422: 'Business rule violated (see metadata.code)',
};

const roleWords = (roles: string[]) => roles.map((r) => `\`${r}\``).join(', ');

/**
 * What the generated document cannot say by itself, added in one place: an operationId for every
 * operation (api/operationIds.ts), the roles each one needs (x-roles, the rule by path of docs/api.md;
 * ops-only interventions carry an "(ops)" tag) also in words in its description, the
 * Idempotency-Key header, its 409 and 429 on every write, 503 on every operation but liveness, the 422 of every operation that
 * takes a currency, the error codes each status can carry (from api/errors.ts's one table), and
 * the headers of each answer.
 */
export function describeOperations(doc: Doc) {
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(operations)) {
      const write = WRITES.has(method);
      // Statuses every write, or every currency, can meet, from the same rules that produce them:
      // the write rate limit (429), a dependency that did not answer (503), the ledger's currencies (422).
      const failure = op.responses?.['400']?.content;
      const operationId = operationIdOf(method, path);
      const kind = { write, takesCurrency: takesCurrency(doc, op) };
      if (op.responses && failure) {
        // A status one of the operation's own codes needs (api/operationErrors.ts), if its route did not declare it.
        for (const status of statusesOfOwnCodes(operationId)) {
          op.responses[String(status)] ??= { description: OWN_CODE_STATUSES[status] ?? 'See metadata.code', content: failure };
        }
        if (write) {
          op.responses['429'] ??= {
            description:
              "Too many writes this minute, or too many writes refused with a 4xx (each class has the caller's limit a minute); see Retry-After",
            content: failure,
          };
          op.responses['409'] ??= {
            description: 'The Idempotency-Key was used for another request, or is still running',
            content: failure,
          };
          // Every body is bounded (api/bodyLimit.ts), whatever the route.
          op.responses['413'] ??= { description: 'Body too large', content: failure };
        }
        // Any operation that reads the database can meet it unreachable, busy or slow (api/errors.ts,
        // api/deadline.ts); liveness never looks at it.
        if (operationId !== 'getLiveness') {
          op.responses['503'] ??= {
            description: write
              ? 'A dependency did not answer in time; retry with the same Idempotency-Key'
              : 'The database or a dependency did not answer in time; retry after Retry-After',
            content: failure,
          };
        }
        if (kind.takesCurrency) op.responses['422'] ??= { description: 'Business rule violated (see metadata.code)', content: failure };
      }
      const binary = Object.values(op.responses ?? {}).some((r) => isBinaryResponse(r.content as Record<string, unknown>));
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const codes = Number(status) >= 400 ? documentedCodes(operationId, Number(status), kind) : [];
        if (codes.length > 0 && !response.description.includes('Codes:')) {
          response.description = `${response.description.replace(/\.$/, '')}. Codes: ${codes.join(', ')}`;
          (response as Record<string, unknown>)['x-error-codes'] = codes;
        }
        const isBinary = isBinaryResponse(response.content as Record<string, unknown>);
        const headers = Object.fromEntries(headersOf(status, write, isBinary || (binary && status === '200')).map((h) => [h, ref(h)]));
        (response as { headers?: Record<string, unknown> }).headers = { ...headers, ...(response as { headers?: object }).headers };
      }
      op.operationId = operationId;
      const opsOnly = write && (op.tags ?? []).some((t) => t.includes('(ops)'));
      const roles = opsOnly ? ['ops'] : isSystemPath(path) ? ['system', 'ops'] : ['client'];
      op['x-roles'] = roles;
      if (write && !(op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')) {
        op.parameters = [
          ...(op.parameters ?? []),
          {
            in: 'header',
            name: 'idempotency-key',
            required: false,
            schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F]*$' },
            description: 'Repeat-safe key (1-255 chars): the same key and body replay the first response',
          } as never,
        ];
      }
    }
  }
  return doc;
}

/** The roles of each operation in words, once x-roles is final (the health routes are public: api/app.ts). */
export function describeRoles(doc: Doc) {
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(operations)) {
      const roles = (op['x-roles'] as string[] | undefined) ?? [];
      const who = (op.security as unknown[] | undefined)?.length === 0 ? 'Public: no token needed.' : `Roles: ${roleWords(roles)}.`;
      const text = (op.description as string | undefined) ?? (op.summary as string | undefined) ?? '';
      if (!text.includes('Roles:') && !text.includes('Public:')) op.description = `${text}\n\n${who}`.trim();
    }
  }
  return doc;
}

/** The document's own parts: servers, tags with their descriptions, the headers answers refer to. */
export function describeDocument(doc: Doc & Record<string, unknown>) {
  doc.servers = SERVERS;
  doc.tags = TAGS;
  doc.components = { ...doc.components, headers: HEADERS } as Doc['components'];
  return doc;
}

type Info = { title: string; version: string; description: string };

/** The document as /openapi.json serves it (before the public routes' roles, api/app.ts). */
export function openApiDocument(app: OpenAPIHono<any>, info: Info): Doc & Record<string, unknown> {
  return describeDocument(describeOperations(app.getOpenAPI31Document({ openapi: '3.1.0', info, servers: SERVERS }) as never) as never);
}

/** The codes the document lists for each operation (`METHOD /path/{param}`) and error status (x-error-codes). */
export function documentedErrorCodes(doc: Doc): Map<string, Map<number, Set<string>>> {
  const byOperation = new Map<string, Map<number, Set<string>>>();
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(operations)) {
      const byStatus = new Map<number, Set<string>>();
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        byStatus.set(Number(status), new Set(((response as Record<string, unknown>)['x-error-codes'] as string[] | undefined) ?? []));
      }
      byOperation.set(`${method.toUpperCase()} ${path}`, byStatus);
    }
  }
  return byOperation;
}

/** /docs (the page), /docs/assets/* (its files) and /openapi.json, none of which needs a token. */
export function serveDocs(app: OpenAPIHono<any>, info: Info) {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assets = new Map(Object.entries(ASSETS).map(([file, type]) => [file, { type, body: readFileSync(join(dir, file)) }]));
  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/assets/:file', (c) => {
    const asset = assets.get(c.req.param('file'));
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
  });
  app.get('/openapi.json', (c) => c.json(openApiDocument(app, info)));
}
