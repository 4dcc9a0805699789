import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { isSystemPath } from './auth';

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

/** Headers of error answers (api/errors.ts sets them): when to retry a 429, how to authenticate after a 401. */
const ERROR_HEADERS: Record<string, Record<string, unknown>> = {
  '429': {
    'Retry-After': {
      description: 'Seconds to wait before trying again (at least 1)',
      schema: { type: 'integer', minimum: 1, maximum: 86400 },
    },
  },
  '401': {
    'WWW-Authenticate': {
      description: 'The scheme to authenticate with (RFC 6750): Bearer',
      schema: { type: 'string', const: 'Bearer' },
    },
  },
};

/**
 * What the generated document cannot say by itself, added in one place: an operationId for every
 * operation, the roles each one needs (x-roles, API.md's rule by path; ops-only interventions
 * carry an "(ops)" tag), the Idempotency-Key header, its 409 and the 429 on every write, and the 422 of
 * every operation that takes a currency.
 */
export function describeOperations(doc: Doc) {
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(operations)) {
      // Statuses every write, or every currency, can meet, from the same rules that produce them:
      // the write rate limit (429) and the ledger's currencies (422).
      const failure = op.responses?.['400']?.content;
      if (op.responses && failure) {
        if (WRITES.has(method)) {
          op.responses['429'] ??= { description: 'Too many writes; see Retry-After (RATE_LIMITED)', content: failure };
          op.responses['409'] ??= {
            description: 'The Idempotency-Key was used for another request, or is still running',
            content: failure,
          };
        }
        if (takesCurrency(doc, op)) op.responses['422'] ??= { description: 'Business rule violated (see metadata.code)', content: failure };
      }
      // The headers a refused client sees, declared where it sees them.
      for (const [status, headers] of Object.entries(ERROR_HEADERS)) {
        const response = op.responses?.[status] as { headers?: Record<string, unknown> } | undefined;
        if (response) response.headers = { ...headers, ...response.headers };
      }
      op.operationId ??= `${method}${path.replace(/\{([^}]+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`;
      const opsOnly = WRITES.has(method) && (op.tags ?? []).some((t) => t.includes('(ops)'));
      op['x-roles'] = opsOnly ? ['ops'] : isSystemPath(path) ? ['system', 'ops'] : ['client'];
      if (WRITES.has(method) && !(op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')) {
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

/** /docs (the page), /docs/assets/* (its files) and /openapi.json, none of which needs a token. */
export function serveDocs(app: OpenAPIHono<any>, info: { title: string; version: string; description: string }) {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const assets = new Map(Object.entries(ASSETS).map(([file, type]) => [file, { type, body: readFileSync(join(dir, file)) }]));
  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/assets/:file', (c) => {
    const asset = assets.get(c.req.param('file'));
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
  });
  app.get('/openapi.json', (c) => c.json(describeOperations(app.getOpenAPI31Document({ openapi: '3.1.0', info }) as never)));
}
