import { hkdfSync } from 'node:crypto';
import { type IbanPolicy, ibanFor } from '../domain/accountReference';
import { type ApprovalThresholds, DEFAULT_APPROVAL_THRESHOLDS, DEFAULT_APPROVAL_TTL_MS } from '../domain/approval';
import type { Role } from '../domain/caller';
import { isCurrency } from '../domain/currency';
import { DEFAULT_TRANSFER_LIMITS, type TransferLimits } from '../domain/limits';
import { isPlainDecimal } from '../domain/money';
import { DEFAULT_OTP_LIMITS, type OtpPolicy } from '../domain/otpPolicy';
import { APPROVAL_THRESHOLD_BOUNDS, type Bounds, SETTING_BOUNDS, withinBounds } from '../domain/settingBounds';
import { DEFAULT_FEES, type FeeSchedule } from '../domain/transferPricing';
import type { SessionLimits } from '../ledger/db';
import { type PayloadKeys, payloadKeysFrom } from './payloadKeys';
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

export const DEFAULT_DATABASE_POLICY: DatabasePolicy = {
  session: { statementTimeoutMs: 30_000, lockTimeoutMs: 10_000, idleInTransactionTimeoutMs: 60_000 },
  maxLifetimeSeconds: 1800,
  poolMax: 20,
  poolProcesses: 1,
  reservedConnections: 10,
};

/** Days a kind of row is kept; older ones are deleted by the hourly housekeeping. */
export interface RetentionPolicy {
  /** NOTIFICATION_RETENTION_DAYS: sent messages; a message carrying a one-time code goes as soon as its code expired. */
  notificationDays: number;
  /** SNAPSHOT_RETENTION_DAYS: daily balance snapshots (statements of older days are recalculated from the journal). */
  snapshotDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { notificationDays: 90, snapshotDays: 400 };

/** Back-office corrections: four-eyes thresholds and expiry, and whether a returned transfer's fee goes back. */
export interface BackOfficePolicy {
  /** APPROVAL_THRESHOLDS: per currency (major units, `*` for the rest); at or above it, a second ops user must approve. */
  approvalThresholds: ApprovalThresholds;
  /** APPROVAL_TTL_MS: a pending approval expires after this (default 24 h). */
  approvalTtlMs: number;
  /** RETURN_REFUNDS_FEE: a returned outgoing transfer gives the client its fee back too (default: the bank keeps it). */
  returnRefundsFee: boolean;
}

export const DEFAULT_BACK_OFFICE_POLICY: BackOfficePolicy = {
  approvalThresholds: DEFAULT_APPROVAL_THRESHOLDS,
  approvalTtlMs: DEFAULT_APPROVAL_TTL_MS,
  returnRefundsFee: false,
};

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
  const secretKeys = payloadKeysFrom(LOCAL_WEBHOOK_SECRET_KEYS, (message) => {
    throw new ConfigError(message);
  }) as PayloadKeys;
  return { secretKeys, allowPrivateUrls: true, ...DEFAULT_WEBHOOK_RETRY };
}

export const DEFAULT_WEBHOOK_RETRY = { retryInitialMs: 10_000, retryMaxIntervalMs: 3600 * 1000, retryWindowMs: 3 * DAY_MS };

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

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  jsonBodyMaxBytes: 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConcurrentUploads: 8,
};

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

export const DEFAULT_FX_POLICY: FxPolicy = { quoteTtlMs: 30_000, spread: '0.005', base: 'EUR', rates: DEFAULT_FX_RATES };
export const DEFAULT_DOCUMENT_POLICY: DocumentPolicy = {
  dir: '.data/documents',
  maxBytes: 10 * 1024 * 1024,
  threshold: '10000.00',
  dailyBytesPerClient: 100 * 1024 * 1024,
};

/** Used only by the local profile, so `npm start` and `npm run token` work with no setup. */
export const LOCAL_JWT_SECRET = 'corebank-local-development-secret-do-not-use-in-production';
export const LOCAL_OTP_SECRET = 'corebank-local-otp-secret-do-not-use-in-production';

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const profile = oneOf(env, 'COREBANK_PROFILE', ['local', 'production'], 'local');
  const local = profile === 'local';
  const jwksUrl = env.JWT_JWKS_URL || undefined;
  const jwtSecret = env.JWT_SECRET ?? (local ? LOCAL_JWT_SECRET : undefined);
  if (!jwksUrl && (!jwtSecret || jwtSecret.length < 32)) {
    throw new ConfigError('JWT_SECRET must be set to at least 32 characters, or JWT_JWKS_URL (only the local profile has a default)');
  }
  if (!local && (jwtSecret === LOCAL_JWT_SECRET || env.OTP_SECRET === LOCAL_OTP_SECRET)) {
    throw new ConfigError('the published local JWT_SECRET / OTP_SECRET may not be used outside the local profile');
  }
  // A separate key: a leaked token key must not also let anyone recompute stored OTP codes.
  const otpSecret = env.OTP_SECRET ?? (local ? LOCAL_OTP_SECRET : undefined);
  if (!otpSecret || otpSecret.length < 32 || otpSecret === jwtSecret) {
    throw new ConfigError('OTP_SECRET must be set to at least 32 characters, other than JWT_SECRET (only the local profile has a default)');
  }
  const workflowWaitMs = integer(env, 'WORKFLOW_WAIT_MS', 30_000, SETTING_BOUNDS.workflowWaitMs);
  const temporalAddress = env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const temporalTls = temporalTlsFrom(env, (message) => {
    throw new ConfigError(message);
  });
  // Whoever reaches a plain-text frontend can start any workflow and skip the API's checks.
  if (!local && !temporalTls && !isLoopbackAddress(temporalAddress)) {
    throw new ConfigError(
      `TEMPORAL_ADDRESS=${temporalAddress} is not on this machine and no TLS is configured: the production profile talks to a remote Temporal only over TLS (set TEMPORAL_TLS_CA, and TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY for mTLS, or TEMPORAL_TLS=true)`,
    );
  }
  const payloadKeys = payloadKeysFrom(env.PAYLOAD_ENCRYPTION_KEYS, (message) => {
    throw new ConfigError(message);
  });
  // Histories hold payee names, IBANs, amounts: readable by whoever reads Temporal's database or UI.
  if (!local && !payloadKeys) {
    throw new ConfigError(
      'PAYLOAD_ENCRYPTION_KEYS must be set in the production profile (<key id>:<base64 of 32 bytes>; make a key with: openssl rand -base64 32)',
    );
  }
  const webhookSecretKeys = webhookKeysFrom(env, local, payloadKeys);
  const retryWindowMs = integer(env, 'WEBHOOK_RETRY_WINDOW_MS', DEFAULT_WEBHOOK_RETRY.retryWindowMs, SETTING_BOUNDS.webhookRetryWindowMs);
  // docs/webhooks.md: retried for at least 3 days; shorter windows are for tests and the local profile.
  if (!local && retryWindowMs < 3 * DAY_MS)
    throw new ConfigError('WEBHOOK_RETRY_WINDOW_MS must be at least 3 days (259200000) in production');
  return {
    profile,
    databaseUrl: required(env, 'DATABASE_URL'),
    migrationDatabaseUrl: env.MIGRATION_DATABASE_URL || undefined,
    temporalAddress,
    temporalTls,
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    payloadKeys,
    codecCorsOrigins: (env.CODEC_CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    taskQueue: env.TEMPORAL_TASK_QUEUE ?? 'corebank',
    apiHost: env.API_HOST ?? '127.0.0.1',
    apiPort: integer(env, 'API_PORT', 3000),
    jwtSecret,
    auth: {
      ...(jwksUrl ? { jwksUrl } : { secret: jwtSecret }),
      ...(env.JWT_ISSUER ? { issuer: env.JWT_ISSUER } : {}),
      ...(env.JWT_AUDIENCE ? { audience: env.JWT_AUDIENCE } : {}),
      maxTtlSeconds: integer(env, 'JWT_MAX_TTL_SECONDS', 24 * 3600),
    },
    sandboxProvider: flag(env, 'ALLOW_SANDBOX_PROVIDER', local),
    localNotifier: flag(env, 'ALLOW_LOCAL_NOTIFIER', local),
    logLevel: env.LOG_LEVEL ?? 'info',
    workflowWaitMs,
    transfers: {
      confirmationWindowMs: integer(env, 'TRANSFER_CONFIRMATION_WINDOW_MS', 30 * 60_000, SETTING_BOUNDS.confirmationWindowMs),
      providerRetry: {
        submitAttempts: integer(env, 'PROVIDER_SUBMIT_ATTEMPTS', 5, SETTING_BOUNDS.submitAttempts),
        submitIntervalMs: integer(env, 'PROVIDER_RETRY_INTERVAL_MS', 1_000, SETTING_BOUNDS.submitIntervalMs),
        decisionAttempts: integer(env, 'PROVIDER_DECISION_ATTEMPTS', 40, SETTING_BOUNDS.decisionAttempts),
      },
      fees: fees(env),
    },
    fx: {
      quoteTtlMs: integer(env, 'FX_QUOTE_TTL_MS', DEFAULT_FX_POLICY.quoteTtlMs, SETTING_BOUNDS.quoteTtlMs),
      spread: decimal(env, 'FX_SPREAD', DEFAULT_FX_POLICY.spread),
      base: DEFAULT_FX_POLICY.base,
      rates: fxRates(env),
    },
    documents: {
      dir: env.DOCUMENTS_DIR || DEFAULT_DOCUMENT_POLICY.dir,
      maxBytes: integer(env, 'DOCUMENT_MAX_BYTES', DEFAULT_DOCUMENT_POLICY.maxBytes),
      threshold: decimal(env, 'DOCUMENT_THRESHOLD', DEFAULT_DOCUMENT_POLICY.threshold),
      dailyBytesPerClient: integer(env, 'DOCUMENT_DAILY_BYTES_PER_CLIENT', DEFAULT_DOCUMENT_POLICY.dailyBytesPerClient),
    },
    transferLimits: transferLimits(env),
    iban: ibanPolicy(env),
    writeLimits: {
      client: integer(env, 'WRITE_LIMIT_CLIENT_PER_MINUTE', 120),
      system: integer(env, 'WRITE_LIMIT_SYSTEM_PER_MINUTE', 6000),
      ops: integer(env, 'WRITE_LIMIT_OPS_PER_MINUTE', 600),
    },
    otp: {
      secret: otpSecret,
      ttlMs: integer(env, 'OTP_TTL_MS', 5 * 60_000, SETTING_BOUNDS.otpTtlMs),
      maxAttempts: integer(env, 'OTP_MAX_ATTEMPTS', 5, SETTING_BOUNDS.otpMaxAttempts),
      maxResends: integer(env, 'OTP_MAX_RESENDS', 3),
      resendIntervalMs: integer(env, 'OTP_RESEND_INTERVAL_MS', 30_000),
      accountCodesPerWindow: integer(env, 'OTP_ACCOUNT_CODES_PER_WINDOW', DEFAULT_OTP_LIMITS.accountCodesPerWindow),
      accountCodeWindowMs: integer(env, 'OTP_ACCOUNT_CODE_WINDOW_MS', DEFAULT_OTP_LIMITS.accountCodeWindowMs),
      wrongCodesPerDay: integer(env, 'OTP_WRONG_CODES_PER_DAY', DEFAULT_OTP_LIMITS.wrongCodesPerDay),
    },
    sandboxDecisionMs: integer(env, 'SANDBOX_DECISION_MS', 2_000),
    observability: {
      logFormat: oneOf(env, 'LOG_FORMAT', ['auto', 'json', 'pretty'], 'auto'),
      workerMetricsPort: env.WORKER_METRICS_PORT ? integer(env, 'WORKER_METRICS_PORT', 0) : undefined,
      workerMetricsHost: env.WORKER_METRICS_HOST || '127.0.0.1',
      readinessTimeoutMs: integer(env, 'READINESS_TIMEOUT_MS', 2_000),
    },
    http: {
      jsonBodyMaxBytes: integer(env, 'HTTP_JSON_BODY_MAX_BYTES', DEFAULT_HTTP_LIMITS.jsonBodyMaxBytes),
      headersTimeoutMs: integer(env, 'HTTP_HEADERS_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.headersTimeoutMs),
      requestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.requestTimeoutMs),
      keepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs),
      maxConcurrentUploads: integer(env, 'HTTP_MAX_CONCURRENT_UPLOADS', DEFAULT_HTTP_LIMITS.maxConcurrentUploads),
    },
    shutdown: {
      apiDrainMs: integer(env, 'API_SHUTDOWN_DRAIN_MS', workflowWaitMs + DRAIN_MARGIN_MS),
      workerGraceMs: integer(env, 'WORKER_SHUTDOWN_GRACE_MS', 30_000),
    },
    eventRetentionDays: integer(env, 'EVENT_RETENTION_DAYS', 30, SETTING_BOUNDS.eventRetentionDays),
    webhooks: {
      secretKeys: webhookSecretKeys,
      allowPrivateUrls: local,
      retryInitialMs: integer(env, 'WEBHOOK_RETRY_INITIAL_MS', DEFAULT_WEBHOOK_RETRY.retryInitialMs, SETTING_BOUNDS.webhookRetryInitialMs),
      retryMaxIntervalMs: integer(
        env,
        'WEBHOOK_RETRY_MAX_INTERVAL_MS',
        DEFAULT_WEBHOOK_RETRY.retryMaxIntervalMs,
        SETTING_BOUNDS.webhookRetryMaxIntervalMs,
      ),
      retryWindowMs,
    },
    database: {
      session: {
        statementTimeoutMs: integer(
          env,
          'DB_STATEMENT_TIMEOUT_MS',
          DEFAULT_DATABASE_POLICY.session.statementTimeoutMs,
          SETTING_BOUNDS.dbStatementTimeoutMs,
        ),
        lockTimeoutMs: integer(env, 'DB_LOCK_TIMEOUT_MS', DEFAULT_DATABASE_POLICY.session.lockTimeoutMs, SETTING_BOUNDS.dbLockTimeoutMs),
        idleInTransactionTimeoutMs: integer(
          env,
          'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
          DEFAULT_DATABASE_POLICY.session.idleInTransactionTimeoutMs,
          SETTING_BOUNDS.dbIdleInTransactionTimeoutMs,
        ),
      },
      maxLifetimeSeconds: integer(
        env,
        'DB_MAX_LIFETIME_SECONDS',
        DEFAULT_DATABASE_POLICY.maxLifetimeSeconds,
        SETTING_BOUNDS.dbMaxLifetimeSeconds,
      ),
      poolMax: integer(env, 'DB_POOL_MAX', DEFAULT_DATABASE_POLICY.poolMax, SETTING_BOUNDS.dbPoolMax),
      poolProcesses: integer(env, 'DB_POOL_PROCESSES', DEFAULT_DATABASE_POLICY.poolProcesses, SETTING_BOUNDS.dbPoolProcesses),
      reservedConnections: integer(
        env,
        'DB_RESERVED_CONNECTIONS',
        DEFAULT_DATABASE_POLICY.reservedConnections,
        SETTING_BOUNDS.dbReservedConnections,
      ),
    },
    apiRequestDeadlineMs: integer(env, 'API_REQUEST_DEADLINE_MS', workflowWaitMs + DRAIN_MARGIN_MS, SETTING_BOUNDS.apiRequestDeadlineMs),
    retention: {
      notificationDays: integer(
        env,
        'NOTIFICATION_RETENTION_DAYS',
        DEFAULT_RETENTION.notificationDays,
        SETTING_BOUNDS.notificationRetentionDays,
      ),
      snapshotDays: integer(env, 'SNAPSHOT_RETENTION_DAYS', DEFAULT_RETENTION.snapshotDays, SETTING_BOUNDS.snapshotRetentionDays),
    },
    businessMetricsMaxAgeMs: integer(env, 'BUSINESS_METRICS_MAX_AGE_MS', 15_000, SETTING_BOUNDS.businessMetricsMaxAgeMs),
    internalMetrics: env.METRICS_PORT ? { port: integer(env, 'METRICS_PORT', 0), host: env.METRICS_HOST || '127.0.0.1' } : undefined,
    migrateOnStart: flag(env, 'MIGRATE_ON_START', local),
    backOffice: {
      approvalThresholds: approvalThresholds(env),
      approvalTtlMs: integer(env, 'APPROVAL_TTL_MS', DEFAULT_APPROVAL_TTL_MS, SETTING_BOUNDS.approvalTtlMs),
      returnRefundsFee: flag(env, 'RETURN_REFUNDS_FEE', false),
    },
  };
}

/** APPROVAL_THRESHOLDS: JSON of major-unit decimal strings per currency, merged over `{"*":"1000"}`. */
function approvalThresholds(env: NodeJS.ProcessEnv): ApprovalThresholds {
  const text = env.APPROVAL_THRESHOLDS;
  if (!text) return DEFAULT_APPROVAL_THRESHOLDS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('APPROVAL_THRESHOLDS must be JSON, for example {"*":"1000","JPY":"150000"}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('APPROVAL_THRESHOLDS must be a JSON object of currency to amount');
  }
  const thresholds: ApprovalThresholds = { ...DEFAULT_APPROVAL_THRESHOLDS };
  const { min, max } = APPROVAL_THRESHOLD_BOUNDS;
  for (const [currency, value] of Object.entries(parsed)) {
    if (currency !== '*' && !isCurrency(currency)) throw new ConfigError(`APPROVAL_THRESHOLDS: ${currency} is not a currency code`);
    const amount = typeof value === 'string' && isPlainDecimal(value) ? Number(value) : Number.NaN;
    if (!(amount >= min && amount <= max)) {
      throw new ConfigError(`APPROVAL_THRESHOLDS.${currency} must be a plain decimal string from ${min} to ${max}`);
    }
    thresholds[currency] = value as string;
  }
  return thresholds;
}

/**
 * The keys webhook signing secrets are stored under: WEBHOOK_SECRET_KEYS when set; else, outside
 * the local profile, keys derived (HKDF, their own purpose) from PAYLOAD_ENCRYPTION_KEYS, which
 * production requires anyway; else the published local key. Never the payload keys themselves.
 */
function webhookKeysFrom(env: NodeJS.ProcessEnv, local: boolean, payloadKeys: PayloadKeys | undefined): PayloadKeys {
  const fail = (message: string): never => {
    throw new ConfigError(message);
  };
  const text = env.WEBHOOK_SECRET_KEYS;
  if (text) {
    if (!local && text.includes(LOCAL_WEBHOOK_SECRET_KEYS.split(':')[1] as string)) {
      fail('the published local WEBHOOK_SECRET_KEYS key may not be used outside the local profile');
    }
    return payloadKeysFrom(text, fail, 'WEBHOOK_SECRET_KEYS') as PayloadKeys;
  }
  if (payloadKeys) {
    const keys = new Map<string, Buffer>();
    for (const [id, key] of payloadKeys.keys) {
      keys.set(id, Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'corebank webhook endpoint secrets', 32)));
    }
    return { currentKeyId: payloadKeys.currentKeyId, keys };
  }
  if (!local) fail('WEBHOOK_SECRET_KEYS (or PAYLOAD_ENCRYPTION_KEYS) must be set in the production profile');
  return payloadKeysFrom(LOCAL_WEBHOOK_SECRET_KEYS, fail, 'WEBHOOK_SECRET_KEYS') as PayloadKeys;
}

function fees(env: NodeJS.ProcessEnv): FeeSchedule {
  const text = env.TRANSFER_FEES;
  if (!text) return DEFAULT_FEES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('TRANSFER_FEES must be JSON, for example {"Sepa":"0.50","Swift":"15.00"}');
  }
  const schedule = { ...DEFAULT_FEES, ...(parsed as Partial<FeeSchedule>) };
  for (const [type, fee] of Object.entries(schedule)) {
    if (typeof fee !== 'string' || !isPlainDecimal(fee)) throw new ConfigError(`TRANSFER_FEES.${type} must be a plain decimal string`);
  }
  return schedule;
}

function decimal(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!isPlainDecimal(text)) throw new ConfigError(`${name} must be a plain decimal string, got "${text}"`);
  return text;
}

/** FX_RATES: JSON of mid rates per 1 EUR, merged over the defaults, e.g. {"USD":"1.0850"}. */
function fxRates(env: NodeJS.ProcessEnv): Record<string, string> {
  const text = env.FX_RATES;
  if (!text) return DEFAULT_FX_RATES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('FX_RATES must be JSON, for example {"USD":"1.0850","JPY":"162.50"} (units per 1 EUR)');
  }
  const rates = { ...DEFAULT_FX_RATES, ...(parsed as Record<string, string>) };
  for (const [currency, rate] of Object.entries(rates)) {
    if (!isCurrency(currency) || typeof rate !== 'string' || !isPlainDecimal(rate) || /^0(\.0*)?$/.test(rate)) {
      throw new ConfigError(`FX_RATES.${currency} must be a positive plain decimal string of an ISO currency`);
    }
  }
  return rates;
}

function transferLimits(env: NodeJS.ProcessEnv): TransferLimits {
  const text = env.TRANSFER_LIMITS;
  if (!text) return DEFAULT_TRANSFER_LIMITS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('TRANSFER_LIMITS must be JSON, for example {"*":{"perTransfer":"10000","daily":"20000"}}');
  }
  for (const [currency, limits] of Object.entries(parsed as Record<string, Record<string, unknown>>)) {
    for (const [name, value] of Object.entries(limits ?? {})) {
      if (!['perTransfer', 'daily'].includes(name) || typeof value !== 'string' || !isPlainDecimal(value)) {
        throw new ConfigError(`TRANSFER_LIMITS.${currency}.${name} must be perTransfer or daily with a plain decimal string`);
      }
    }
  }
  return parsed as TransferLimits;
}

function ibanPolicy(env: NodeJS.ProcessEnv): IbanPolicy {
  // Switzerland's BBAN (5-digit bank code + 12 characters) holds our 12-digit account numbers whole.
  const policy = { country: env.IBAN_COUNTRY ?? 'CH', bankCode: env.IBAN_BANK_CODE ?? '80808' };
  try {
    ibanFor(policy, '100000000008');
  } catch {
    throw new ConfigError(
      `IBAN_COUNTRY=${policy.country} with IBAN_BANK_CODE=${policy.bankCode} does not make valid IBANs of 12-digit account numbers`,
    );
  }
  return policy;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}

/** An integer setting; with `bounds` (domain/settingBounds.ts) a value outside them is refused at start. */
function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, bounds?: Bounds): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${text}"`);
  if (bounds && !withinBounds(value, bounds)) throw new ConfigError(`${name} must be from ${bounds.min} to ${bounds.max}, got ${value}`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (text !== 'true' && text !== 'false') throw new ConfigError(`${name} must be true or false, got "${text}"`);
  return text === 'true';
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name] ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}
