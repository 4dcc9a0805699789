import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createLocalNotifier } from '../../activities/notifier';
import { type AppDeps, type AppOptions, createApp } from '../../api/app';
import { issueToken } from '../../api/auth';
import {
  type BackOfficePolicy,
  DEFAULT_BACK_OFFICE_POLICY,
  DEFAULT_DOCUMENT_POLICY,
  DEFAULT_FX_POLICY,
  type DocumentPolicy,
  type FxPolicy,
  LOCAL_JWT_SECRET,
  LOCAL_OTP_SECRET,
  localWebhookPolicy,
} from '../../config/env';
import type { Role } from '../../domain/caller';
import { DEFAULT_FEES } from '../../domain/transferPricing';
import { createSql, type Sql, type SqlOptions } from '../../ledger/db';
import { testEnv } from './env';

export interface ApiResponse<T = any> {
  status: number;
  // Loosely typed on purpose: tests read whatever the envelope holds.
  body: { isSuccess: boolean; isFailed: boolean; value: T; errors: any[]; reasons: any[] };
  headers: Headers;
  /** The body as sent, byte for byte. */
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  headers?: Record<string, string>;
  /** Sent as is (for malformed bodies); otherwise `body` is JSON-encoded. */
  rawBody?: string;
}

/**
 * The real app in-process (app.request, no port) with the real Postgres and Temporal of the run.
 * Requests carry a system token unless told otherwise.
 */
export interface TestApiOptions {
  taskQueue?: string;
  workflowWaitMs?: number;
  confirmationWindowMs?: number;
  /** FX quotes and documents (the app's defaults when unset; documents then go to a temp directory). */
  fx?: FxPolicy;
  documents?: Partial<DocumentPolicy>;
  /** Another way to the run's database (a proxy, a role) and the pool's options. */
  databaseUrl?: string;
  sqlOptions?: SqlOptions;
  /** The edge's options (readiness timeout, request deadline). */
  appOptions?: AppOptions;
  /** Four-eyes thresholds and expiry, the returned-transfer fee policy (the defaults when unset). */
  backOffice?: Partial<BackOfficePolicy>;
}

/**
 * What the tests' app runs on: the run's Postgres and Temporal, the local secrets, short windows
 * and a small provider budget (so tests reach Stuck and expiry quickly); unexpected errors are
 * collected in `errors` (a suite fails on any).
 */
export function testAppDeps(
  parts: { sql: Sql; temporal: Client; taskQueue: string; errors: unknown[] } & Omit<TestApiOptions, 'taskQueue'>,
): AppDeps {
  return {
    sql: parts.sql,
    temporal: parts.temporal,
    taskQueue: parts.taskQueue,
    auth: { secret: LOCAL_JWT_SECRET, maxTtlSeconds: 24 * 3600 },
    workflowWaitMs: parts.workflowWaitMs ?? 30_000,
    transferPolicy: {
      confirmationWindowMs: parts.confirmationWindowMs ?? 60_000,
      providerRetry: { submitAttempts: 3, submitIntervalMs: 100, decisionAttempts: 40 },
      fees: DEFAULT_FEES,
    },
    otp: { secret: LOCAL_OTP_SECRET, ttlMs: 60_000, maxAttempts: 5, maxResends: 3, resendIntervalMs: 1_000 },
    writeLimits: { client: 120, system: 100_000, ops: 10_000 },
    fx: parts.fx ?? DEFAULT_FX_POLICY,
    documents: { ...DEFAULT_DOCUMENT_POLICY, dir: mkdtempSync(join(tmpdir(), 'corebank-documents-')), ...parts.documents },
    iban: { country: 'CH', bankCode: '80808' },
    notifier: createLocalNotifier(parts.sql),
    profile: 'local',
    localNotifier: true,
    // Webhook retries in tests: 300 ms doubling to 2 s instead of 10 s to 1 h.
    webhooks: { ...localWebhookPolicy(), retryInitialMs: 300, retryMaxIntervalMs: 2_000 },
    backOffice: { ...DEFAULT_BACK_OFFICE_POLICY, ...parts.backOffice },
    logError: (error) => {
      parts.errors.push(error);
      console.error('unexpected API error', error);
    },
  };
}

export async function createTestApi(options: TestApiOptions = {}) {
  const env = testEnv();
  const sql: Sql = createSql(options.databaseUrl ?? env.databaseUrl, { max: 10, ...options.sqlOptions });
  const connection = await Connection.connect({ address: env.temporalAddress });
  const temporal = new Client({ connection });
  const errors: unknown[] = [];
  const app = createApp(
    testAppDeps({
      sql,
      temporal,
      taskQueue: options.taskQueue ?? env.taskQueue,
      errors,
      workflowWaitMs: options.workflowWaitMs,
      confirmationWindowMs: options.confirmationWindowMs,
      fx: options.fx,
      documents: options.documents,
      backOffice: options.backOffice,
    }),
    options.appOptions,
  );
  const tokens = {
    system: await token('system', 'test-system'),
    ops: await token('ops', 'test-ops'),
  };

  async function request<T = any>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    const bearer = opts.token === undefined ? tokens.system : opts.token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    let payload: string | undefined = opts.rawBody;
    if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const res = await app.request(path, { method, headers, body: payload });
    const text = await res.text();
    // Document downloads answer with their bytes: only JSON is parsed.
    const json = text && /json/i.test(res.headers.get('content-type') ?? 'application/json');
    return { status: res.status, body: json ? JSON.parse(text) : null, headers: res.headers, text };
  }

  return {
    app,
    sql,
    temporal,
    tokens,
    /** Unexpected errors the API logged: a test asserts there are none. */
    errors,
    token,
    get: <T = any>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts),
    post: <T = any>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, body, opts),
    put: <T = any>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, body, opts),
    request,
    async close() {
      await connection.close();
      await sql.end();
    },
  };
}

export function token(role: Role, sub: string, ttlSeconds?: number) {
  return issueToken(LOCAL_JWT_SECRET, { role, sub, ttlSeconds });
}

export type TestApi = Awaited<ReturnType<typeof createTestApi>>;
