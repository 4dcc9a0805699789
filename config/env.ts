import { hkdfSync } from 'node:crypto';
import { z } from 'zod';
import { type IbanPolicy, ibanFor } from '../domain/accountReference';
import { type ApprovalThresholds, DEFAULT_APPROVAL_THRESHOLDS } from '../domain/approval';
import type { Role } from '../domain/caller';
import type { TransferLimits } from '../domain/limits';
import type { OtpPolicy } from '../domain/otpPolicy';
import { DEFAULT_FEES, type FeeSchedule } from '../domain/transferPricing';
import type { SessionLimits } from '../ledger/db';
import { type PayloadKeys, payloadKeysFrom } from './payloadKeys';
import { SETTING_DOCS, SETTINGS, type SettingName, type Settings, settingsSchema } from './settings';
import { isLoopbackAddress, type TemporalTls, temporalTlsFrom } from './temporalTls';

/**
 * The process configuration, read from the environment once. A bad value stops the process at
 * start with a message that names the variable, instead of failing later on first use.
 */
export interface Config {
  /** `local` allows the built-in development JWT secret and the local notifier. */
  profile: 'local' | 'production';
  databaseUrl: string;
  /** MIGRATION_DATABASE_URL: the migration owner's connection, when DATABASE_URL is the runtime role's. */
  migrationDatabaseUrl: string | undefined;
  temporalAddress: string;
  /** TLS (and mTLS) towards Temporal: TEMPORAL_TLS_CA, _CERT, _KEY, _SERVER_NAME, TEMPORAL_TLS (config/temporalTls.ts). */
  temporalTls: TemporalTls | undefined;
  temporalNamespace: string;
  /** PAYLOAD_ENCRYPTION_KEYS: workflow and activity payloads are AES-256-GCM encrypted when set (required in production). */
  payloadKeys: PayloadKeys | undefined;
  /** CODEC_CORS_ORIGINS: origins (the Temporal Web UI's) allowed to call /codec/decode and /codec/encode from a browser. */
  codecCorsOrigins: string[];
  taskQueue: string;
  apiHost: string;
  apiPort: number;
  /** HS256 key for `npm run token` and for checking tokens when no JWKS is configured. */
  jwtSecret: string | undefined;
  auth: TokenPolicy;
  /**
   * Adapters that only make sense on a developer's machine: the sandbox provider (a client could
   * pick its outcome with the reference) and the local notifier (OTP codes readable over the API).
   * On in the local profile; outside it they must be switched on explicitly, or the process refuses
   * to start.
   */
  sandboxProvider: boolean;
  localNotifier: boolean;
  logLevel: string;
  /** The longest an API request waits for a workflow update before answering 503. */
  workflowWaitMs: number;
  transfers: TransferPolicy;
  /** Default per-currency transfer limits (TRANSFER_LIMITS, major units; `*` for any currency). */
  transferLimits: TransferLimits;
  /** FX quotes: how long one is locked, the spread, and the local rates table. */
  fx: FxPolicy;
  /** Supporting documents: where they are kept, and the amount from which a transfer needs one. */
  documents: DocumentPolicy;
  /** Writes (POST/PUT/PATCH/DELETE) per caller and minute, by role; past it 429 RATE_LIMITED. */
  writeLimits: WriteLimits;
  /** IBAN_COUNTRY and IBAN_BANK_CODE: client accounts get IBANs of this country and bank code. */
  iban: IbanPolicy;
  /** One-time codes: HMAC key of the stored codes (OTP_SECRET, never the JWT key), lifetime, attempts. */
  otp: OtpPolicy;
  /** How long the sandbox provider takes to decide a payment. */
  sandboxDecisionMs: number;
  /** Logs, metrics and health (traces are configured by the standard OTEL_* variables). */
  observability: ObservabilityConfig;
  /** The HTTP edge: body bounds, server timeouts, concurrent uploads. */
  http: HttpLimits;
  /** What SIGTERM does: how long the API keeps serving while unready, how long the worker lets activities finish. */
  shutdown: ShutdownPolicy;
  /** EVENT_RETENTION_DAYS: the event log keeps events this long (the hourly housekeeping deletes older ones). */
  eventRetentionDays: number;
  webhooks: WebhookPolicy;
  /** The runtime's database pool and session limits, and the pool-sizing rule checked at start. */
  database: DatabasePolicy;
  /** API_REQUEST_DEADLINE_MS: a request still unanswered after this is answered 503 (a hung database, say). */
  apiRequestDeadlineMs: number;
  /** What the hourly housekeeping deletes besides events: notifications and daily balance snapshots. */
  retention: RetentionPolicy;
  /** BUSINESS_METRICS_MAX_AGE_MS: a scrape reuses business metrics read at most this long ago (no table scan per scrape). */
  businessMetricsMaxAgeMs: number;
  /** METRICS_PORT / METRICS_HOST: the API's internal metrics listener (no token), when a port is set. */
  internalMetrics: { port: number; host: string } | undefined;
  /**
   * MIGRATE_ON_START: the API and the worker apply migrations themselves at start (the local
   * profile's default); otherwise `npm run migrate` is its own step and they refuse to start on a
   * schema that is behind.
   */
  migrateOnStart: boolean;
  backOffice: BackOfficePolicy;
}

/** The runtime's connections to the ledger's Postgres (ledger/db.ts, ledger/poolSizing.ts). */
export interface DatabasePolicy {
  session: SessionLimits;
  maxLifetimeSeconds: number;
  /** DB_POOL_MAX: connections in this process's pool. */
  poolMax: number;
  /** DB_POOL_PROCESSES: API and worker processes that connect to the same server with a pool of DB_POOL_MAX each. */
  poolProcesses: number;
  /** DB_RESERVED_CONNECTIONS: kept free for migrations, ops and monitoring. */
  reservedConnections: number;
}

/** Days a kind of row is kept; older ones are deleted by the hourly housekeeping. */
export interface RetentionPolicy {
  /** NOTIFICATION_RETENTION_DAYS: sent messages; a message carrying a one-time code goes as soon as its code expired. */
  notificationDays: number;
  /** SNAPSHOT_RETENTION_DAYS: daily balance snapshots (statements of older days are recalculated from the journal). */
  snapshotDays: number;
}

/** Back-office corrections: four-eyes thresholds and expiry, and whether a returned transfer's fee goes back. */
export interface BackOfficePolicy {
  /** APPROVAL_THRESHOLDS: per currency (major units, `*` for the rest); at or above it, a second ops user must approve. */
  approvalThresholds: ApprovalThresholds;
  /** APPROVAL_TTL_MS: a pending approval expires after this (default 24 h). */
  approvalTtlMs: number;
  /** RETURN_REFUNDS_FEE: a returned outgoing transfer gives the client its fee back too (default: the bank keeps it). */
  returnRefundsFee: boolean;
}

/** Webhook endpoints and their deliveries (docs/webhooks.md). */
export interface WebhookPolicy {
  /** WEBHOOK_SECRET_KEYS: AES-256-GCM keys the endpoints' signing secrets are stored under (the first encrypts). */
  secretKeys: PayloadKeys;
  /** Outside the local profile an endpoint URL must be https and resolve to a public address. */
  allowPrivateUrls: boolean;
  /** WEBHOOK_RETRY_INITIAL_MS, WEBHOOK_RETRY_MAX_INTERVAL_MS: the waits between attempts double from the first up to the longest. */
  retryInitialMs: number;
  retryMaxIntervalMs: number;
  /** WEBHOOK_RETRY_WINDOW_MS: a delivery is retried this long, then `failed`. */
  retryWindowMs: number;
}

const DAY_MS = 24 * 3600 * 1000;

/** The local profile's webhook secret key (published, like LOCAL_JWT_SECRET): refused elsewhere. */
export const LOCAL_WEBHOOK_SECRET_KEYS = 'local:Y29yZWJhbmstbG9jYWwtd2ViaG9vay1rZXktMzJiISE=';

/** The local profile's webhook policy (tests and tools that build the app without loadConfig). */
export function localWebhookPolicy(): WebhookPolicy {
  return { ...LOCAL_DEFAULTS.webhooks };
}

/**
 * Bounds of the HTTP edge (docs/api.md: every body bounded before anything reads it; slow or idle
 * connections closed). Uploads are bounded by DOCUMENT_MAX_BYTES.
 */
export interface HttpLimits {
  /** HTTP_JSON_BODY_MAX_BYTES: every body that is not a document upload. */
  jsonBodyMaxBytes: number;
  /** HTTP_HEADERS_TIMEOUT_MS: a request's headers must arrive within this (slow-loris). */
  headersTimeoutMs: number;
  /** HTTP_REQUEST_TIMEOUT_MS: the whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** HTTP_KEEP_ALIVE_TIMEOUT_MS: an idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** HTTP_MAX_CONCURRENT_UPLOADS: uploads one API process streams at once; past it 429. */
  maxConcurrentUploads: number;
}

/** Graceful stop of the API and the worker (SIGTERM from Kubernetes, compose or systemd). */
export interface ShutdownPolicy {
  /**
   * API_SHUTDOWN_DRAIN_MS: after SIGTERM the API answers /health/ready with 503 but keeps serving
   * this long, so the load balancer takes it out before it stops listening, and a request that just
   * arrived may still wait WORKFLOW_WAIT_MS for its workflow. Default WORKFLOW_WAIT_MS + 5 s.
   */
  apiDrainMs: number;
  /**
   * WORKER_SHUTDOWN_GRACE_MS: the worker's shutdownGraceTime. On SIGTERM it stops polling at once;
   * running activities get this long to finish before they are cancelled (and retried elsewhere).
   */
  workerGraceMs: number;
}

/** The margin the API's drain adds to WORKFLOW_WAIT_MS: endpoints take a few seconds to update. */
export const DRAIN_MARGIN_MS = 5_000;

/** LOG_FORMAT, the worker's metrics endpoint, and how long /health/ready waits for each dependency. */
export interface ObservabilityConfig {
  /** `json` (one object a line), `pretty` (pino-pretty, a development dependency), `auto`: pretty on a terminal. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** WORKER_METRICS_PORT: the worker serves GET /metrics there when set. */
  workerMetricsPort: number | undefined;
  workerMetricsHost: string;
  /** READINESS_TIMEOUT_MS: /health/ready answers 503 when Postgres or Temporal takes longer. */
  readinessTimeoutMs: number;
}

/** How bearer tokens are checked: an HS256 secret or a JWKS, with optional issuer and audience. */
export interface TokenPolicy {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** A token may not be valid for longer than this from now; a token without exp is refused. */
  maxTtlSeconds: number;
}

/** Writes per caller and minute, by role (clients are people; system and ops are back offices). */
export type WriteLimits = Record<Role, number>;

/** How transfers behave; the API puts it into each transfer workflow's input. */
export interface TransferPolicy {
  confirmationWindowMs: number;
  providerRetry: { submitAttempts: number; submitIntervalMs: number; decisionAttempts: number };
  fees: FeeSchedule;
}

/**
 * FX: mid rates as units of each currency per one unit of `base` (decimal strings), a spread as a
 * fraction ("0.005" is 0.5%), and how long a quote is locked.
 */
export interface FxPolicy {
  quoteTtlMs: number;
  spread: string;
  base: string;
  rates: Record<string, string>;
}

/** Documents: the storage directory, the largest upload, and the threshold (major units) from which a transfer needs one. */
export interface DocumentPolicy {
  dir: string;
  maxBytes: number;
  threshold: string;
  /** Bytes of documents a client may store per UTC day (its transfers' and its KYC documents); past it 429. */
  dailyBytesPerClient: number;
}

/** A local table of mid rates per 1 EUR; a real feed plugs in through usecases/rates.ts. */
export const DEFAULT_FX_RATES: Record<string, string> = {
  EUR: '1',
  USD: '1.085',
  GBP: '0.855',
  CHF: '0.94',
  JPY: '162.5',
  SEK: '11.4',
  NOK: '11.6',
  DKK: '7.46',
  PLN: '4.3',
  CZK: '25.2',
  BHD: '0.409',
};

/** Used only by the local profile, so `npm start` and `npm run token` work with no setup. */
export const LOCAL_JWT_SECRET = 'corebank-local-development-secret-do-not-use-in-production';
export const LOCAL_OTP_SECRET = 'corebank-local-otp-secret-do-not-use-in-production';

/** A refused configuration. Its stack is left out: where loadConfig was called says nothing to the operator who reads it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * The configuration from the environment: the schema (config/settings.ts) checks every variable
 * on its own and names each bad one with why; then the rules that tie several variables together
 * (the profile's secrets, TLS, the IBAN policy) are checked, again all of them before refusing.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const settings = readSettings(env);
  const problems: string[] = [];
  const config = configFrom(settings, env, (message) => problems.push(message));
  if (problems.length > 0) throw new ConfigError(refusal(problems));
  return config;
}

/** The schema's settings, every bad variable named; an empty variable counts as unset. */
function readSettings(env: NodeJS.ProcessEnv): Settings {
  return parsed(settingsSchema, env, Object.keys(SETTINGS) as SettingName[]);
}

/** Some of the settings, for a tool that needs only those (`npm run migrate`, the worker's schedules). */
export function readSomeSettings<const N extends SettingName>(env: NodeJS.ProcessEnv, names: readonly N[]): Pick<Settings, N> {
  const shape = Object.fromEntries(names.map((name) => [name, SETTINGS[name]]));
  return parsed(z.object(shape), env, names) as unknown as Pick<Settings, N>;
}

function parsed<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv, names: readonly SettingName[]): T {
  const given = Object.fromEntries(names.map((name) => [name, env[name] === '' ? undefined : env[name]]));
  const result = schema.safeParse(given);
  if (result.success) return result.data;
  throw new ConfigError(refusal(result.error.issues.map((issue) => problemOf(issue, given))));
}

function problemOf(issue: z.core.$ZodIssue, given: Record<string, string | undefined>): string {
  const [name, ...inner] = issue.path.map(String);
  const variable = [name, ...inner].join('.');
  const raw = given[name as string];
  // A secret or a URL with a password is never echoed into a log.
  const shown = raw === undefined || inner.length > 0 || SETTING_DOCS.get(SETTINGS[name as SettingName])?.secret ? '' : ` (got "${raw}")`;
  // A bad key of a JSON object (a currency code, say) carries its reason inside.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return `${variable} ${message}${shown}`;
}

function refusal(problems: string[]): string {
  return problems.length === 1
    ? `configuration refused: ${problems[0]}`
    : `configuration refused, ${problems.length} problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`;
}

type Refuse = (message: string) => void;

function configFrom(s: Settings, env: NodeJS.ProcessEnv, refuse: Refuse): Config {
  const local = s.COREBANK_PROFILE === 'local';
  const jwtSecret = s.JWT_SECRET ?? (local ? LOCAL_JWT_SECRET : undefined);
  const otpSecret = s.OTP_SECRET ?? (local ? LOCAL_OTP_SECRET : undefined);
  checkSecrets(s, local, jwtSecret, otpSecret, refuse);
  const tls = collecting(refuse, (fail) => temporalTlsFrom(env, fail));
  const temporalTls = tls.value;
  // Whoever reaches a plain-text frontend can start any workflow and skip the API's checks.
  if (!local && tls.ok && !temporalTls && !isLoopbackAddress(s.TEMPORAL_ADDRESS)) {
    refuse(
      `TEMPORAL_ADDRESS=${s.TEMPORAL_ADDRESS} is not on this machine and no TLS is configured: the production profile talks to a remote Temporal only over TLS (set TEMPORAL_TLS_CA, and TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY for mTLS, or TEMPORAL_TLS=true)`,
    );
  }
  // Histories hold payee names, IBANs, amounts: readable by whoever reads Temporal's database or UI.
  if (!local && !s.PAYLOAD_ENCRYPTION_KEYS) {
    refuse(
      'PAYLOAD_ENCRYPTION_KEYS must be set in the production profile (<key id>:<base64 of 32 bytes>; make a key with: openssl rand -base64 32)',
    );
  }
  // docs/webhooks.md: retried for at least 3 days; shorter windows are for tests and the local profile.
  if (!local && s.WEBHOOK_RETRY_WINDOW_MS < 3 * DAY_MS) refuse('WEBHOOK_RETRY_WINDOW_MS must be at least 3 days (259200000) in production');
  const iban = { country: s.IBAN_COUNTRY, bankCode: s.IBAN_BANK_CODE };
  if (!makesIbans(iban)) {
    refuse(`IBAN_COUNTRY=${iban.country} with IBAN_BANK_CODE=${iban.bankCode} does not make valid IBANs of 12-digit account numbers`);
  }
  const fromWorkflowWait = s.WORKFLOW_WAIT_MS + DRAIN_MARGIN_MS;
  return {
    profile: s.COREBANK_PROFILE,
    databaseUrl: s.DATABASE_URL,
    migrationDatabaseUrl: s.MIGRATION_DATABASE_URL,
    temporalAddress: s.TEMPORAL_ADDRESS,
    temporalTls,
    temporalNamespace: s.TEMPORAL_NAMESPACE,
    payloadKeys: s.PAYLOAD_ENCRYPTION_KEYS,
    codecCorsOrigins: s.CODEC_CORS_ORIGINS,
    taskQueue: s.TEMPORAL_TASK_QUEUE,
    apiHost: s.API_HOST,
    apiPort: s.API_PORT,
    jwtSecret,
    auth: {
      ...(s.JWT_JWKS_URL ? { jwksUrl: s.JWT_JWKS_URL } : { secret: jwtSecret }),
      ...(s.JWT_ISSUER ? { issuer: s.JWT_ISSUER } : {}),
      ...(s.JWT_AUDIENCE ? { audience: s.JWT_AUDIENCE } : {}),
      maxTtlSeconds: s.JWT_MAX_TTL_SECONDS,
    },
    sandboxProvider: s.ALLOW_SANDBOX_PROVIDER ?? local,
    localNotifier: s.ALLOW_LOCAL_NOTIFIER ?? local,
    logLevel: s.LOG_LEVEL,
    workflowWaitMs: s.WORKFLOW_WAIT_MS,
    transfers: {
      confirmationWindowMs: s.TRANSFER_CONFIRMATION_WINDOW_MS,
      providerRetry: {
        submitAttempts: s.PROVIDER_SUBMIT_ATTEMPTS,
        submitIntervalMs: s.PROVIDER_RETRY_INTERVAL_MS,
        decisionAttempts: s.PROVIDER_DECISION_ATTEMPTS,
      },
      fees: { ...DEFAULT_FEES, ...s.TRANSFER_FEES },
    },
    fx: { quoteTtlMs: s.FX_QUOTE_TTL_MS, spread: s.FX_SPREAD, base: 'EUR', rates: { ...DEFAULT_FX_RATES, ...s.FX_RATES } },
    documents: {
      dir: s.DOCUMENTS_DIR,
      maxBytes: s.DOCUMENT_MAX_BYTES,
      threshold: s.DOCUMENT_THRESHOLD,
      dailyBytesPerClient: s.DOCUMENT_DAILY_BYTES_PER_CLIENT,
    },
    transferLimits: s.TRANSFER_LIMITS,
    iban,
    writeLimits: { client: s.WRITE_LIMIT_CLIENT_PER_MINUTE, system: s.WRITE_LIMIT_SYSTEM_PER_MINUTE, ops: s.WRITE_LIMIT_OPS_PER_MINUTE },
    otp: {
      secret: otpSecret as string,
      ttlMs: s.OTP_TTL_MS,
      maxAttempts: s.OTP_MAX_ATTEMPTS,
      maxResends: s.OTP_MAX_RESENDS,
      resendIntervalMs: s.OTP_RESEND_INTERVAL_MS,
      accountCodesPerWindow: s.OTP_ACCOUNT_CODES_PER_WINDOW,
      accountCodeWindowMs: s.OTP_ACCOUNT_CODE_WINDOW_MS,
      wrongCodesPerDay: s.OTP_WRONG_CODES_PER_DAY,
    },
    sandboxDecisionMs: s.SANDBOX_DECISION_MS,
    observability: {
      logFormat: s.LOG_FORMAT,
      workerMetricsPort: s.WORKER_METRICS_PORT,
      workerMetricsHost: s.WORKER_METRICS_HOST,
      readinessTimeoutMs: s.READINESS_TIMEOUT_MS,
    },
    http: {
      jsonBodyMaxBytes: s.HTTP_JSON_BODY_MAX_BYTES,
      headersTimeoutMs: s.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: s.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: s.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConcurrentUploads: s.HTTP_MAX_CONCURRENT_UPLOADS,
    },
    shutdown: { apiDrainMs: s.API_SHUTDOWN_DRAIN_MS ?? fromWorkflowWait, workerGraceMs: s.WORKER_SHUTDOWN_GRACE_MS },
    eventRetentionDays: s.EVENT_RETENTION_DAYS,
    webhooks: {
      secretKeys: webhookKeysFrom(s, local, refuse),
      allowPrivateUrls: local,
      retryInitialMs: s.WEBHOOK_RETRY_INITIAL_MS,
      retryMaxIntervalMs: s.WEBHOOK_RETRY_MAX_INTERVAL_MS,
      retryWindowMs: s.WEBHOOK_RETRY_WINDOW_MS,
    },
    database: {
      session: {
        statementTimeoutMs: s.DB_STATEMENT_TIMEOUT_MS,
        lockTimeoutMs: s.DB_LOCK_TIMEOUT_MS,
        idleInTransactionTimeoutMs: s.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      },
      maxLifetimeSeconds: s.DB_MAX_LIFETIME_SECONDS,
      poolMax: s.DB_POOL_MAX,
      poolProcesses: s.DB_POOL_PROCESSES,
      reservedConnections: s.DB_RESERVED_CONNECTIONS,
    },
    apiRequestDeadlineMs: s.API_REQUEST_DEADLINE_MS ?? fromWorkflowWait,
    retention: { notificationDays: s.NOTIFICATION_RETENTION_DAYS, snapshotDays: s.SNAPSHOT_RETENTION_DAYS },
    businessMetricsMaxAgeMs: s.BUSINESS_METRICS_MAX_AGE_MS,
    internalMetrics: s.METRICS_PORT ? { port: s.METRICS_PORT, host: s.METRICS_HOST } : undefined,
    migrateOnStart: s.MIGRATE_ON_START ?? local,
    backOffice: {
      approvalThresholds: { ...DEFAULT_APPROVAL_THRESHOLDS, ...s.APPROVAL_THRESHOLDS },
      approvalTtlMs: s.APPROVAL_TTL_MS,
      returnRefundsFee: s.RETURN_REFUNDS_FEE,
    },
  };
}

/** Runs a check written for a `fail` that throws (config/temporalTls.ts) so that its problem joins the others. */
function collecting<T>(refuse: Refuse, check: (fail: (message: string) => never) => T): { ok: boolean; value: T | undefined } {
  try {
    return {
      ok: true,
      value: check((message) => {
        refuse(message);
        throw new CollectedProblem();
      }),
    };
  } catch (error) {
    if (error instanceof CollectedProblem) return { ok: false, value: undefined };
    throw error;
  }
}

class CollectedProblem extends Error {}

function checkSecrets(s: Settings, local: boolean, jwtSecret: string | undefined, otpSecret: string | undefined, refuse: Refuse): void {
  if (!s.JWT_JWKS_URL && !jwtSecret) {
    refuse('JWT_SECRET must be set to at least 32 characters, or JWT_JWKS_URL (only the local profile has a default)');
  }
  if (!local && (jwtSecret === LOCAL_JWT_SECRET || otpSecret === LOCAL_OTP_SECRET)) {
    refuse('the published local JWT_SECRET / OTP_SECRET may not be used outside the local profile');
  }
  // A separate key: a leaked token key must not also let anyone recompute stored OTP codes.
  if (!otpSecret || otpSecret === jwtSecret) {
    refuse('OTP_SECRET must be set to at least 32 characters, other than JWT_SECRET (only the local profile has a default)');
  }
}

/** Switzerland's BBAN (5-digit bank code + 12 characters) holds our 12-digit account numbers whole. */
function makesIbans(policy: IbanPolicy): boolean {
  try {
    ibanFor(policy, '100000000008');
    return true;
  } catch {
    return false;
  }
}

/**
 * The keys webhook signing secrets are stored under: WEBHOOK_SECRET_KEYS when set; else, outside
 * the local profile, keys derived (HKDF, their own purpose) from PAYLOAD_ENCRYPTION_KEYS, which
 * production requires anyway; else the published local key. Never the payload keys themselves.
 */
function webhookKeysFrom(s: Settings, local: boolean, refuse: Refuse): PayloadKeys {
  const given = s.WEBHOOK_SECRET_KEYS;
  const published = localWebhookKeys();
  if (given) {
    const usesPublished = [...given.keys.values()].some((key) => [...published.keys.values()].some((known) => key.equals(known)));
    if (!local && usesPublished) refuse('the published local WEBHOOK_SECRET_KEYS key may not be used outside the local profile');
    return given;
  }
  if (s.PAYLOAD_ENCRYPTION_KEYS) {
    const keys = new Map<string, Buffer>();
    for (const [id, key] of s.PAYLOAD_ENCRYPTION_KEYS.keys) {
      keys.set(id, Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'corebank webhook endpoint secrets', 32)));
    }
    return { currentKeyId: s.PAYLOAD_ENCRYPTION_KEYS.currentKeyId, keys };
  }
  if (!local) refuse('WEBHOOK_SECRET_KEYS (or PAYLOAD_ENCRYPTION_KEYS) must be set in the production profile');
  return published;
}

function localWebhookKeys(): PayloadKeys {
  return payloadKeysFrom(LOCAL_WEBHOOK_SECRET_KEYS, (message) => {
    throw new ConfigError(message);
  }) as PayloadKeys;
}

/**
 * The local profile's configuration with every default: the parts below are what tests and tools
 * that build the app without loadConfig use, so a default is written once, in config/settings.ts.
 */
const LOCAL_DEFAULTS = loadConfig({ DATABASE_URL: 'postgres://unused' });

export const DEFAULT_DATABASE_POLICY: DatabasePolicy = LOCAL_DEFAULTS.database;
export const DEFAULT_RETENTION: RetentionPolicy = LOCAL_DEFAULTS.retention;
export const DEFAULT_BACK_OFFICE_POLICY: BackOfficePolicy = LOCAL_DEFAULTS.backOffice;
export const DEFAULT_HTTP_LIMITS: HttpLimits = LOCAL_DEFAULTS.http;
export const DEFAULT_FX_POLICY: FxPolicy = LOCAL_DEFAULTS.fx;
export const DEFAULT_DOCUMENT_POLICY: DocumentPolicy = LOCAL_DEFAULTS.documents;
