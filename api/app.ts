import { OpenAPIHono } from '@hono/zod-openapi';
import type { PayloadCodec } from '@temporalio/common';
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { type Config, DEFAULT_DOCUMENT_POLICY, DEFAULT_HTTP_LIMITS, DRAIN_MARGIN_MS } from '../config/env';
import type { Logger } from '../config/log';
import { ErrorCode } from '../domain/errors';
import { requestIdMiddleware, requestLogMiddleware, tracingMiddleware } from '../observability/http';
import { readBusinessFigures } from '../store/businessMetrics';
import { createUseCases } from '../usecases';
import { checkAnsweredCodes } from './answeredCodes';
import { type AuthEnv, authenticate, tokenVerifier } from './auth';
import { boundBodies, isUploadRequest, readJsonBody } from './bodyLimit';
import { requestDeadline } from './deadline';
import { describeRoles, documentedErrorCodes, openApiDocument, serveDocs } from './docs';
import { success } from './envelope';
import { errorJson, handleError } from './errors';
import { idempotency } from './idempotency';
import { type MetricsSource, metricsMiddleware, metricsRoute, metricsSource, temporalUp } from './metrics';
import { BEARER_AUTH } from './openapiInfo';
import type { AppDeps } from './router';
import { accountRoutes } from './routes/accounts';
import { auditRoutes } from './routes/audit';
import { backOfficeRoutes } from './routes/backOffice';
import { clientProfileRoutes } from './routes/clientProfile';
import { clientRoutes } from './routes/clients';
import { codecRoutes } from './routes/codec';
import { confirmationRoutes } from './routes/confirmations';
import { documentRoutes, UPLOAD_PATHS } from './routes/documents';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { holdRoutes } from './routes/holds';
import { ledgerOperationRoutes } from './routes/ledgerOperations';
import { myAccountRoutes } from './routes/myAccounts';
import { notificationRoutes } from './routes/notifications';
import { paymentRoutes } from './routes/payments';
import { recipientRoutes } from './routes/recipients';
import { systemRecipientRoutes } from './routes/recipientsSystem';
import { reportRoutes } from './routes/reports';
import { statementRoutes } from './routes/statements';
import { transactionRoutes } from './routes/transactions';
import { transferRoutes } from './routes/transfers';
import { fxTransferRoutes } from './routes/transfersFx';
import { opsTransferRoutes } from './routes/transfersOps';
import { systemTransferRoutes } from './routes/transfersSystem';
import { webhookRoutes } from './routes/webhooks';
import { registerEventWebhooks } from './schemas/events';

export type { AppDeps };

/**
 * The app's dependencies from the process configuration: one place for api/main.ts and tools that
 * embed the app. The notifier (the one the use cases send account codes with) is the caller's
 * choice of adapter, given when config.localNotifier switches it on.
 */
export function appDepsFrom(config: Config, parts: Pick<AppDeps, 'sql' | 'temporal' | 'logError' | 'notifier'>): AppDeps {
  return {
    ...parts,
    taskQueue: config.taskQueue,
    auth: config.auth,
    workflowWaitMs: config.workflowWaitMs,
    transferPolicy: config.transfers,
    otp: config.otp,
    writeLimits: config.writeLimits,
    fx: config.fx,
    documents: config.documents,
    iban: config.iban,
    http: config.http,
    profile: config.profile,
    localNotifier: config.localNotifier,
    webhooks: config.webhooks,
    backOffice: config.backOffice,
  };
}

/** Uploads stream to the document storage and are never buffered for an Idempotency-Key hash. */
const unlessUpload =
  (middleware: MiddlewareHandler<AuthEnv>): MiddlewareHandler<AuthEnv> =>
  (c, next) =>
    isUploadRequest(c, UPLOAD_PATHS) ? next() : middleware(c, next);

/** What the edge adds around the routes: request logs and readiness. */
export interface AppOptions {
  /** One line per request (api/main.ts); none in tests that embed the app. */
  log?: Logger;
  /** How long /health/ready waits for Postgres and for Temporal. */
  readinessTimeoutMs?: number;
  /** The metrics /metrics serves (api/main.ts shares them with the internal listener); else read at every scrape. */
  metrics?: MetricsSource;
  /** API_REQUEST_DEADLINE_MS: every request is answered within this (503 past it); default WORKFLOW_WAIT_MS + 5 s. */
  requestDeadlineMs?: number;
  /** True once api/main.ts got SIGTERM: /health/ready answers 503 while requests still get served. */
  isDraining?: () => boolean;
  /** The payload codec (encryption) behind /codec/decode and /codec/encode, and the browser origins (the Web UI) allowed to call them. */
  codec?: { codec: PayloadCodec; corsOrigins: string[] };
}

/** Documented routes anyone may call (api/auth.ts PUBLIC_PATHS): any role, or none. */
const PUBLIC_DOCUMENTED_PATHS = ['/health/live', '/health/ready'];

/**
 * The OpenAPI document's x-roles follow the path rule (api/docs.ts), which knows no public route:
 * the health routes need no token, so they name every role and no security.
 */
function publicOperationsInDocument(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.res.status !== 200) return;
    const doc = (await c.res.clone().json()) as { paths?: Record<string, Record<string, Record<string, unknown>>> };
    for (const path of PUBLIC_DOCUMENTED_PATHS) {
      for (const op of Object.values(doc.paths?.[path] ?? {})) {
        op['x-roles'] = ['client', 'system', 'ops'];
        op.security = [];
      }
    }
    describeRoles(doc as never);
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    c.res = new Response(JSON.stringify(doc), { status: 200, headers });
  };
}

const DOCUMENT_INFO = {
  title: 'corebank',
  version: '0.1.0',
  description:
    'Core banking REST API (FinLego surface): a double-entry ledger with payments and transfers as durable Temporal workflows. ' +
    'Every body is a FluentResults envelope; amounts are decimal strings; writes accept Idempotency-Key; each operation names the roles it needs (in its description and in x-roles); ' +
    'a failure carries a stable code (ErrorCode) in errors[0].metadata.code.',
};

/** The whole HTTP API. Tests call app.request(...) on it without opening a port. */
export function createApp(deps: AppDeps, options: AppOptions = {}) {
  const app = new OpenAPIHono<AuthEnv>();

  app.onError((error, c) => handleError(error, c, (e, context) => deps.logError(e, context)));
  app.notFound((c) => errorJson(c, ErrorCode.NOT_FOUND, `no route ${c.req.method} ${c.req.path}`));

  // Request id first (every later line and span has it), then the request's span, then its log line.
  app.use('*', requestIdMiddleware());
  app.use(
    '*',
    checkAnsweredCodes(
      () => documentedErrorCodes(openApiDocument(app, DOCUMENT_INFO)),
      (e, context) => deps.logError(e, context),
    ),
  );
  // Before authentication: the browser's preflight carries no token.
  if (options.codec?.corsOrigins.length) {
    app.use(
      '/codec/*',
      cors({
        origin: options.codec.corsOrigins,
        allowMethods: ['POST'],
        allowHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
        credentials: true,
      }),
    );
  }
  app.use('*', tracingMiddleware());
  if (options.log) app.use('*', requestLogMiddleware(options.log));
  app.use('*', metricsMiddleware());
  app.use('*', async (c, next) => {
    await next();
    // While draining before a stop, each answer closes its connection: a kept-alive socket would be
    // reused by the client just as the server closes it, which the client sees as a reset.
    if (options.isDraining?.()) c.header('Connection', 'close');
  });
  // Before anything that may ask the database (authentication looks up a client token's client).
  app.use('*', requestDeadline(options.requestDeadlineMs ?? deps.workflowWaitMs + DRAIN_MARGIN_MS));
  // The one body limit, before anything reads a body: authentication reads none, and the JSON
  // body is read (within the bound) only once the caller is known.
  const http = deps.http ?? DEFAULT_HTTP_LIMITS;
  app.use(
    '*',
    boundBodies({
      jsonBytes: http.jsonBodyMaxBytes,
      uploadBytes: deps.documents?.maxBytes ?? DEFAULT_DOCUMENT_POLICY.maxBytes,
      uploadPaths: UPLOAD_PATHS,
    }),
  );
  const useCases = createUseCases(deps);
  app.use('*', authenticate(tokenVerifier(deps.auth), useCases.callers.clientExists));
  app.use('*', readJsonBody(UPLOAD_PATHS));
  app.use('*', async (c, next) => {
    // Writes count against the caller's limit before anything else runs for them; one answered 4xx
    // (other than this limit's own 429) changed nothing and is counted apart (usecases/rateLimits.ts).
    const caller = c.get('caller');
    if (!caller || c.req.method === 'GET') return next();
    const counted = await useCases.rateLimits.countWrite(caller);
    await next();
    if (c.res.status >= 400 && c.res.status < 500) {
      // Best effort: the answer stands whatever happens here; not moved, it simply stays a write.
      await useCases.rateLimits.changedNothing(counted).catch(() => {});
    }
  });
  app.use('*', unlessUpload(idempotency(deps.sql, { leaseMs: deps.workflowWaitMs * 2, waitMs: deps.workflowWaitMs })));

  app.get('/health', async (c) => {
    await useCases.health.ping();
    return c.json(success({ status: 'ok' }), 200);
  });
  // Liveness and readiness (documented): ready when Postgres answers and the process is not draining;
  // Temporal is asked and reported (field and metric) but an outage of it leaves reads working.
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2_000;
  app.route(
    '/',
    healthRoutes({
      probes: { postgres: () => useCases.health.ping() },
      observed: {
        temporal: async () => {
          await deps.temporal.withDeadline(Date.now() + readinessTimeoutMs, () => deps.temporal.workflowService.getSystemInfo({}));
        },
      },
      onObserved: (name, ok) => {
        if (name === 'temporal') temporalUp.set(ok ? 1 : 0);
      },
      isDraining: options.isDraining,
      timeoutMs: readinessTimeoutMs,
    }),
  );
  // Runtime details are not public: system and ops tokens only (see OPERATOR_PATHS in auth.ts).
  app.get('/metrics', metricsRoute(options.metrics ?? metricsSource(() => readBusinessFigures(deps.sql))));
  if (options.codec) app.route('/', codecRoutes(options.codec.codec));

  const routeDeps = { ...deps, useCases };
  for (const router of [
    clientRoutes,
    clientProfileRoutes,
    myAccountRoutes,
    accountRoutes,
    statementRoutes, // before transactionRoutes: /Transactions/report is not a /Transactions/{transactionId}
    transactionRoutes,
    paymentRoutes,
    backOfficeRoutes,
    recipientRoutes,
    systemRecipientRoutes,
    transferRoutes,
    fxTransferRoutes,
    documentRoutes,
    confirmationRoutes,
    systemTransferRoutes,
    opsTransferRoutes,
    notificationRoutes,
    holdRoutes,
    auditRoutes,
    ledgerOperationRoutes,
    reportRoutes,
    eventRoutes,
    webhookRoutes,
  ]) {
    app.route('/', router(routeDeps));
  }

  registerEventWebhooks(app.openAPIRegistry);
  app.use('/openapi.json', publicOperationsInDocument());
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', BEARER_AUTH);
  serveDocs(app, DOCUMENT_INFO);
  return app;
}
