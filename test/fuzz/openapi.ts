/**
 * The document the fuzzer reads: the API's own /openapi.json plus what the fuzz run needs and the
 * document does not (yet) declare. Everything added here is listed by `describeAdditions`, so a
 * report can tell what the API should declare itself.
 *
 * - an operationId on every operation (links name their targets by it);
 * - the Idempotency-Key header on the operations that do not declare it (reads, the routes the
 *   document leaves out): the API declares and checks it on every write, and ignores it on a read,
 *   so there it is any string (sent, odd values included, but no value is "invalid": a read that
 *   ignores it rightly answers 200);
 * - the routes the document leaves out (/health, /metrics, /openapi.json, /docs), with any status
 *   allowed: only "no 5xx" and the time bound apply to them, and the coverage phase sends them
 *   every other method too (POST /health with a key, ...);
 * - OpenAPI links between the operations that create a resource and those that use it (transfer:
 *   create -> confirm / cancel -> get; payment: create -> pend / post / cancel -> get; ...), so the
 *   stateful phase chains real ids instead of random ones. (List -> item links are left out: an
 *   empty page has no item, and the seeded ids reach the item routes through the dictionaries.)
 */

type Json = Record<string, any>;

export const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const IDEMPOTENCY = 'idempotency-key';

/** Routes served by the app but absent from the document (api/app.ts: plain app.get). */
const UNDOCUMENTED: { path: string; secured: boolean }[] = [
  { path: '/health', secured: false },
  { path: '/openapi.json', secured: false },
  { path: '/docs', secured: false },
  { path: '/metrics', secured: true },
];

export const SYNTHETIC_TAG = 'fuzz-undocumented';

interface LinkSpec {
  from: string;
  status: number;
  to: string;
  parameters?: Record<string, string>;
  requestBody?: Json;
}

const value = (pointer: string) => `$response.body#/value${pointer}`;

/** Producer -> consumer links. `from`/`to` are "METHOD /path"; links whose ends are missing are skipped. */
export const LINKS: LinkSpec[] = [
  // Transfers (front office): create -> confirm / cancel -> get, and the confirmation.
  ...transferLinks(),
  { from: 'POST /Recipients', status: 201, to: 'GET /Recipients/{recipientId}', parameters: { recipientId: value('/id') } },
  { from: 'POST /Recipients', status: 201, to: 'PUT /Recipients/{recipientId}/visibility', parameters: { recipientId: value('/id') } },
  { from: 'POST /Recipients', status: 201, to: 'POST /Transfers/outgoing', requestBody: { recipientId: value('/id') } },
  // Clients and accounts (system).
  { from: 'POST /internal/Clients', status: 201, to: 'GET /internal/Clients/{clientId}', parameters: { clientId: value('/id') } },
  { from: 'POST /internal/Clients', status: 201, to: 'POST /v2/internal/Accounts', requestBody: { clientId: value('/id') } },
  { from: 'POST /internal/Clients', status: 201, to: 'GET /internal/Notifications', parameters: { 'query.clientId': value('/id') } },
  {
    from: 'POST /v2/internal/Accounts',
    status: 201,
    to: 'GET /v2/ledger/internal/Accounts/{accountId}',
    parameters: { accountId: value('/id') },
  },
  { from: 'POST /v2/internal/Accounts', status: 201, to: 'POST /internal/Payments', requestBody: { creditAccountId: value('/id') } },
  { from: 'POST /v2/internal/Accounts', status: 201, to: 'GET /internal/Transactions', parameters: { 'query.accountId': value('/id') } },
  // Payments (system): create / draft -> pend -> post / cancel -> get.
  ...paymentLinks(),
  // Incoming transfers and holds (system, ops).
  {
    from: 'POST /internal/IncomingRequests',
    status: 202,
    to: 'GET /internal/Transfers/incoming/{transferId}',
    parameters: { transferId: value('/id') },
  },
  {
    from: 'POST /internal/IncomingRequests',
    status: 202,
    to: 'POST /internal/Transfers/incoming/{transferId}/assign',
    parameters: { transferId: value('/id') },
  },
];

function transferLinks(): LinkSpec[] {
  const byId = { transferId: value('/id') };
  const samePath = { transferId: '$request.path.transferId' };
  const links: LinkSpec[] = [];
  for (const to of [
    'GET /Transfers/outgoing/{transferId}',
    'GET /Transfers/{transferId}',
    'PUT /Transfers/outgoing/{transferId}/confirm',
    'DELETE /Transfers/outgoing/{transferId}',
  ]) {
    links.push({ from: 'POST /Transfers/outgoing', status: 201, to, parameters: byId });
  }
  links.push(
    {
      from: 'POST /Transfers/outgoing',
      status: 201,
      to: 'GET /Confirmations/{confirmationId}',
      parameters: { confirmationId: value('/confirmationId') },
    },
    {
      from: 'POST /Transfers/outgoing',
      status: 201,
      to: 'POST /Confirmations/{confirmationId}/resend',
      parameters: { confirmationId: value('/confirmationId') },
    },
  );
  // After a confirm (right or wrong code) or a cancel: read it back, and try the other action.
  for (const from of ['PUT /Transfers/outgoing/{transferId}/confirm', 'DELETE /Transfers/outgoing/{transferId}']) {
    for (const status of [200, 409, 422]) {
      for (const to of [
        'GET /Transfers/outgoing/{transferId}',
        'GET /Transfers/{transferId}',
        'PUT /Transfers/outgoing/{transferId}/confirm',
        'DELETE /Transfers/outgoing/{transferId}',
      ]) {
        links.push({ from, status, to, parameters: samePath });
      }
    }
  }
  return links;
}

function paymentLinks(): LinkSpec[] {
  const actions = [
    'GET /internal/Payments/{paymentId}',
    'POST /internal/Payments/{paymentId}/pend',
    'POST /internal/Payments/{paymentId}/post',
    'POST /internal/Payments/{paymentId}/cancel',
  ];
  const links: LinkSpec[] = [];
  for (const from of ['POST /internal/Payments', 'POST /internal/Payments/draft']) {
    for (const to of actions) links.push({ from, status: 201, to, parameters: { paymentId: value('/id') } });
    links.push({ from, status: 201, to: 'GET /internal/Transactions', parameters: { 'query.paymentId': value('/id') } });
  }
  for (const from of actions.slice(1)) {
    for (const status of [200, 409, 422]) {
      for (const to of actions) links.push({ from, status, to, parameters: { paymentId: '$request.path.paymentId' } });
    }
  }
  return links;
}

export function operationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '_'));
  return [method.toLowerCase(), ...words].join('_');
}

export interface PreparedDocument {
  document: Json;
  additions: string[];
}

/** A copy of `source` with the additions above; the source is not changed. */
export function prepareDocument(source: Json): PreparedDocument {
  const document: Json = structuredClone(source);
  const additions: string[] = [];
  document.paths ??= {};

  const idempotencySchema = findIdempotencySchema(document) ?? { type: 'string', minLength: 1, maxLength: 255 };
  // Where the API ignores the header (a read), any value is as good as none.
  const ignoredKey = { type: 'string', description: 'ignored by this operation (added by the fuzz runner)' };

  for (const { path, secured } of UNDOCUMENTED) {
    if (document.paths[path]?.get) continue;
    document.paths[path] = {
      ...(document.paths[path] ?? {}),
      get: {
        tags: [SYNTHETIC_TAG],
        summary: 'Served but not in the API document (added by the fuzz runner): any status, never a 5xx',
        security: secured ? [{ bearerAuth: [] }] : [],
        // Required here so every request to it, and every other-method probe of the coverage phase, carries one.
        parameters: [{ name: IDEMPOTENCY, in: 'header', required: true, schema: idempotencySchema }],
        responses: { default: { description: 'Any answer but a 5xx' } },
      },
    };
    additions.push(`undocumented route GET ${path} (with a required Idempotency-Key)`);
  }

  let keyAdded = 0;
  let idsAdded = 0;
  for (const [path, item] of Object.entries<Json>(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      if (!operation.operationId) {
        operation.operationId = operationId(method, path);
        idsAdded++;
      }
      operation.parameters ??= [];
      const has = operation.parameters.some((p: Json) => p.in === 'header' && String(p.name).toLowerCase() === IDEMPOTENCY);
      if (!has) {
        operation.parameters.push({ name: IDEMPOTENCY, in: 'header', required: false, schema: ignoredKey });
        keyAdded++;
      }
    }
  }
  if (idsAdded) additions.push(`operationId on ${idsAdded} operations`);
  if (keyAdded)
    additions.push(`optional Idempotency-Key header (any string: ignored there) on ${keyAdded} operations that do not declare it`);

  let linksAdded = 0;
  const missing: string[] = [];
  for (const link of LINKS) {
    const source = find(document, link.from);
    const target = find(document, link.to);
    if (!source || !target) {
      missing.push(`${link.from} -> ${link.to}`);
      continue;
    }
    const response = source.responses?.[String(link.status)];
    if (!response) continue;
    response.links ??= {};
    const name = `${target.operationId}_from_${link.status}`;
    response.links[name] = {
      operationId: target.operationId,
      ...(link.parameters ? { parameters: link.parameters } : {}),
      ...(link.requestBody ? { requestBody: link.requestBody } : {}),
    };
    linksAdded++;
  }
  additions.push(`${linksAdded} OpenAPI links (transfers, payments, recipients, clients, accounts, incoming, holds)`);
  if (missing.length) additions.push(`links skipped, an end is not in the document: ${missing.join('; ')}`);
  return { document, additions };
}

function find(document: Json, label: string): Json | undefined {
  const [method, path] = label.split(' ');
  return document.paths?.[path as string]?.[(method as string).toLowerCase()];
}

function findIdempotencySchema(document: Json): Json | undefined {
  for (const item of Object.values<Json>(document.paths ?? {})) {
    for (const method of METHODS) {
      const parameter = item[method]?.parameters?.find((p: Json) => p.in === 'header' && String(p.name).toLowerCase() === IDEMPOTENCY);
      if (parameter?.schema) return parameter.schema;
    }
  }
  return undefined;
}

/**
 * Paths (`name`, `recipient.name`, `items[*].x`) of the string fields of one request body schema;
 * `$ref`s into components are followed.
 */
export function bodyStringFieldsOf(document: Json, schema: Json | undefined): string[] {
  const found = new Set<string>();
  const resolve = (s: Json | undefined): Json | undefined => {
    let current = s;
    for (let i = 0; current?.$ref && i < 10; i++) {
      const name = String(current.$ref).split('/').pop() as string;
      current = document.components?.schemas?.[name];
    }
    return current;
  };
  const walk = (node: Json | undefined, prefix: string, depth: number) => {
    const s = resolve(node);
    if (!s || depth > 4) return;
    for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(branch, prefix, depth + 1);
    const types = ([] as string[]).concat(s.type ?? []);
    if (types.includes('string') && !s.enum && prefix) found.add(prefix);
    if (s.properties) {
      for (const [key, child] of Object.entries<Json>(s.properties)) {
        if (!/^[A-Za-z0-9_-]+$/.test(key)) continue;
        walk(child, prefix ? `${prefix}.${key}` : key, depth + 1);
      }
    }
    if (s.items && prefix) walk(s.items, `${prefix}[*]`, depth + 1);
  };
  walk(schema, '', 0);
  return [...found].sort();
}

/** bodyStringFieldsOf over every JSON request body of the document, for the dictionary bindings. */
export function bodyStringFields(document: Json): string[] {
  const found = new Set<string>();
  for (const item of Object.values<Json>(document.paths ?? {})) {
    for (const method of METHODS) {
      const schema = item[method]?.requestBody?.content?.['application/json']?.schema;
      if (schema) for (const field of bodyStringFieldsOf(document, schema)) found.add(field);
    }
  }
  return [...found].sort();
}

/**
 * `query.x` / `path.x` of every string parameter that is not an enum (nor the Idempotency-Key),
 * for the text dictionary: a binding per parameter, since a type-wide one would also hit enums.
 */
export function parameterStringFields(document: Json): string[] {
  const found = new Set<string>();
  for (const item of Object.values<Json>(document.paths ?? {})) {
    for (const method of METHODS) {
      for (const parameter of item[method]?.parameters ?? []) {
        if (parameter.in !== 'query' && parameter.in !== 'path') continue;
        const schema = parameter.schema ?? {};
        const types = ([] as string[]).concat(schema.type ?? []);
        if (types.includes('string') && !schema.enum) found.add(`${parameter.in}.${parameter.name}`);
      }
    }
  }
  return [...found].sort();
}

/**
 * Statuses a request that fits its schema may still get, per operation ("METHOD /path", the label
 * Schemathesis matches `include-name` against): the documented 4xx answers of business rules the
 * schema cannot express (404 unknown id, 409 key reused or conflict, 413 / 415 an upload's size or
 * content, 422 a business rule, 429), so positive_data_acceptance counts only a 400 (or an
 * undocumented status) for valid input as a mismatch. 400 is never in it: valid by the schema means
 * not VALIDATION_ERROR.
 */
export function businessStatuses(document: Json): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [path, item] of Object.entries<Json>(document.paths ?? {})) {
    for (const method of METHODS) {
      const responses = item[method]?.responses;
      if (!responses) continue;
      const statuses = Object.keys(responses)
        .filter((s) => /^4\d\d$/.test(s) && !['400', '401', '403'].includes(s))
        .map(Number)
        .sort((a, b) => a - b);
      if (statuses.length > 0) out[`${method.toUpperCase()} ${path}`] = statuses;
    }
  }
  return out;
}
