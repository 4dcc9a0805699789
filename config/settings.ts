import { z } from 'zod';
import { DEFAULT_APPROVAL_THRESHOLDS, DEFAULT_APPROVAL_TTL_MS } from '../domain/approval';
import { isCurrency } from '../domain/currency';
import { DEFAULT_TRANSFER_LIMITS } from '../domain/limits';
import { DEFAULT_OTP_LIMITS } from '../domain/otpPolicy';
import { SETTING_BOUNDS } from '../domain/settingBounds';
import { DEFAULT_FEES } from '../domain/transferPricing';
import { DEFAULT_MIGRATE_OPTIONS } from '../ledger/migrate';
import {
  ALLOWED,
  aesKeys,
  count,
  currencyOrAny,
  days,
  decimal,
  flag,
  integer,
  json,
  list,
  milliseconds,
  objectProblem,
  oneOf,
  plainDecimal,
  port,
  seconds,
  secret,
  text,
  timeOfDay,
} from './settingKinds';

/**
 * Every environment variable corebank reads, in one schema: its kind and bounds, its default, and
 * what it means. config/env.ts parses the environment with it (every bad variable is named at
 * once), and `npm run docs:config` writes README's configuration table from it. How to add a
 * setting: docs/configuration.md.
 */
export interface SettingDoc {
  /** One line for the README table. */
  description: string;
  /** The default when the default is not a fixed text (it depends on the profile or on another setting). */
  defaultNote?: string;
  /** The program that reads the variable when it is not the API or the worker (they still check it). */
  readBy?: string;
  /** A key, or a URL that may hold a password: never echoed in an error message. */
  secret?: boolean;
}

export const SETTING_DOCS = z.registry<SettingDoc & { default?: string }>();

/** A setting with a fixed default, given as the text an operator would write (it is checked like one). */
function setting<T>(kind: z.ZodType<T, string>, defaultText: string, doc: SettingDoc) {
  const schema = z.string().default(defaultText).pipe(kind);
  SETTING_DOCS.add(schema, { ...doc, default: defaultText });
  return schema;
}

/** A setting without which the process cannot run. */
function required<T>(kind: z.ZodType<T, string>, doc: SettingDoc) {
  const schema = z.string({ error: 'is not set' }).pipe(kind);
  SETTING_DOCS.add(schema, { ...doc, defaultNote: doc.defaultNote ?? 'required' });
  return schema;
}

/** A setting that may be unset; config/env.ts decides what unset means (see `defaultNote`). */
function optional<T>(kind: z.ZodType<T, string>, doc: SettingDoc) {
  const schema = kind.optional();
  SETTING_DOCS.add(schema, doc);
  return schema;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MIB = 1024 * 1024;

const npmStart = 'npm start';

/** Per currency (`*` for the rest): at most `perTransfer` in one transfer and `daily` a UTC day, major units. */
const transferLimits = z.record(
  currencyOrAny,
  z.object({ perTransfer: plainDecimal.optional(), daily: plainDecimal.optional() }, { error: objectProblem }).strict(),
  { error: objectProblem },
);

const fees = z.object({ Internal: plainDecimal, Sepa: plainDecimal, Swift: plainDecimal }, { error: objectProblem }).partial().strict();

/** Each threshold in major units: 0 asks for approval of every amount; above 10^15 is no amount at all. */
const approvalThreshold = plainDecimal.refine((value) => Number(value) <= 1e15, { error: 'must be at most 10^15' });
const approvalThresholds = z.record(currencyOrAny, approvalThreshold, { error: objectProblem });

const positiveRate = plainDecimal.refine((value) => !/^0(\.0*)?$/.test(value), { error: 'must be above 0' });
const fxRates = z.record(z.string().refine(isCurrency, { error: 'is not a currency code' }), positiveRate, { error: objectProblem });

const PINO_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const SETTINGS = {
  // --- the process and its dependencies
  COREBANK_PROFILE: setting(oneOf(['local', 'production']), 'local', {
    description: '`production` requires its own secrets and refuses the local ones and the development adapters',
  }),
  DATABASE_URL: required(text('postgres URL'), {
    defaultNote: 'required (`npm start`: its embedded PostgreSQL)',
    description: "the ledger's PostgreSQL (migrations run at start in the local profile; see `MIGRATE_ON_START`)",
    secret: true,
  }),
  MIGRATION_DATABASE_URL: optional(text('postgres URL'), {
    description:
      "the tables' owner for `npm run migrate`; `DATABASE_URL`'s user is then the runtime role and gets its grants ([docs/operations.md](docs/operations.md#database-roles))",
    secret: true,
  }),
  MIGRATE_ON_START: optional(flag(), {
    defaultNote: '`true` locally, `false` otherwise',
    description:
      'the API and the worker apply migrations at start; otherwise `npm run migrate` is its own step and they refuse a schema that is behind ([docs/changing-the-schema.md](docs/changing-the-schema.md))',
  }),
  MIGRATION_LOCK_TIMEOUT_MS: setting(milliseconds({ min: 1, max: 10 * MINUTE }), String(DEFAULT_MIGRATE_OPTIONS.lockTimeoutMs), {
    description: "each migration's `lock_timeout`",
    readBy: 'npm run migrate',
  }),
  MIGRATION_ATTEMPTS: setting(count(1_000), String(DEFAULT_MIGRATE_OPTIONS.attempts), {
    description: 'how often a migration that could not get its locks is tried',
    readBy: 'npm run migrate',
  }),
  TEMPORAL_ADDRESS: setting(text('`host:port`'), 'localhost:7233', {
    description: 'the Temporal frontend (`npm start`: its embedded dev server)',
  }),
  TEMPORAL_NAMESPACE: setting(text(), 'default', { description: 'the Temporal namespace of every workflow' }),
  TEMPORAL_TASK_QUEUE: setting(text(), 'corebank', { description: 'the task queue the worker polls and the API starts workflows on' }),
  TEMPORAL_TLS: optional(flag(), {
    defaultNote: 'on when a `TEMPORAL_TLS_*` file or name is set',
    description:
      "TLS towards Temporal (the Temporal CLI's variable); `true` alone: TLS with the system's CAs. Production refuses a plain-text `TEMPORAL_ADDRESS` that is not loopback",
  }),
  TEMPORAL_TLS_CA: optional(text('PEM file path'), { description: 'the CA that signed the Temporal server' }),
  TEMPORAL_TLS_CERT: optional(text('PEM file path'), { description: "this client's certificate (mTLS), with `TEMPORAL_TLS_KEY`" }),
  TEMPORAL_TLS_KEY: optional(text('PEM file path'), { description: "this client's private key (mTLS), with `TEMPORAL_TLS_CERT`" }),
  TEMPORAL_TLS_SERVER_NAME: optional(text(), { description: "the name in the Temporal server's certificate (and the SNI)" }),
  PAYLOAD_ENCRYPTION_KEYS: optional(aesKeys(), {
    defaultNote: 'unset (required in `production`)',
    description:
      'every workflow and activity payload is AES-256-GCM encrypted under the first key; all listed keys decrypt (rotation). Make a key with `openssl rand -base64 32`',
    secret: true,
  }),
  CODEC_CORS_ORIGINS: setting(list(), '', {
    description: "browser origins (the Temporal Web UI's) allowed to call `POST /codec/decode` and `/codec/encode` (ops token)",
  }),

  // --- npm start's embedded parts
  PG_PORT: setting(port(), '54329', { description: 'the embedded PostgreSQL', readBy: npmStart }),
  TEMPORAL_PORT: setting(port(), '7233', { description: 'the embedded Temporal dev server', readBy: npmStart }),
  TEMPORAL_UI_PORT: setting(port(), '8233', { description: 'the embedded Temporal Web UI', readBy: npmStart }),
  TEMPORAL_CLI_PATH: optional(text('file path'), {
    defaultNote: '`temporal` on `PATH`, else installed into `~/.cache/corebank/`',
    description: 'the Temporal CLI that runs the embedded dev server',
    readBy: npmStart,
  }),
  COREBANK_DATA_DIR: setting(text('directory'), '.data', {
    description: "Postgres's data, `temporal.sqlite` and the pid file; with other ports, a second stack beside the first",
    readBy: npmStart,
  }),

  // --- the HTTP API
  API_HOST: setting(text(), '127.0.0.1', { description: 'the address the API listens on' }),
  API_PORT: setting(port(), '3000', { description: 'the port the API listens on' }),
  WORKFLOW_WAIT_MS: setting(milliseconds({ min: 100, max: 10 * MINUTE }), '30000', {
    description: 'longest an API call waits for a workflow before answering 503',
  }),
  API_REQUEST_DEADLINE_MS: optional(milliseconds({ min: SECOND, max: 11 * MINUTE }), {
    defaultNote: '`WORKFLOW_WAIT_MS` + 5000',
    description: 'every API request is answered within this; past it 503 with `Retry-After`',
  }),
  API_SHUTDOWN_DRAIN_MS: optional(milliseconds({ min: 0, max: HOUR }), {
    defaultNote: '`WORKFLOW_WAIT_MS` + 5000',
    description:
      'after SIGTERM the API answers `/health/ready` with 503 but keeps serving this long, then stops listening (`npm start`, start:cluster, the bench: 0)',
  }),
  HTTP_JSON_BODY_MAX_BYTES: setting(count(100 * MIB, 1024), String(MIB), {
    description: 'every body that is not a document upload; bounded before authentication, 413 past it',
  }),
  HTTP_HEADERS_TIMEOUT_MS: setting(milliseconds({ min: 100, max: 10 * MINUTE }), '10000', {
    description: 'the server closes a connection whose headers take longer (slow-loris)',
  }),
  HTTP_REQUEST_TIMEOUT_MS: setting(milliseconds({ min: 100, max: HOUR }), '60000', {
    description: 'the server closes a connection whose whole request takes longer',
  }),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: setting(milliseconds({ min: 1, max: 10 * MINUTE }), '5000', {
    description: 'an idle kept-alive connection is closed after this',
  }),
  HTTP_MAX_CONCURRENT_UPLOADS: setting(count(10_000), '8', {
    description: 'document uploads one API process streams at once; past it 429 with `Retry-After`',
  }),
  WRITE_LIMIT_CLIENT_PER_MINUTE: setting(count(1e9), '120', {
    description:
      'writes per client and minute, counted in Postgres for every API process; past it 429 `RATE_LIMITED`. Writes answered 4xx count apart, against a limit of the same size',
  }),
  WRITE_LIMIT_SYSTEM_PER_MINUTE: setting(count(1e9), '6000', { description: 'the same for the system role' }),
  WRITE_LIMIT_OPS_PER_MINUTE: setting(count(1e9), '600', { description: 'the same for the ops role' }),

  // --- tokens
  JWT_SECRET: optional(secret(), {
    defaultNote: 'a fixed local secret (local profile only)',
    description: 'HS256 key of the tokens',
    secret: true,
  }),
  JWT_JWKS_URL: optional(text('URL'), { description: 'check tokens against this JWKS (RS256/ES256/EdDSA) instead of the secret' }),
  JWT_ISSUER: optional(text(), { description: "a token's `iss` must be this" }),
  JWT_AUDIENCE: optional(text(), { description: "a token's `aud` must hold this" }),
  JWT_MAX_TTL_SECONDS: setting(seconds({ min: 1, max: 30 * 24 * 3600 }), '86400', {
    description: 'a token must carry `exp`, at most this far ahead',
  }),

  // --- adapters
  ALLOW_SANDBOX_PROVIDER: optional(flag(), {
    defaultNote: '`true` locally, `false` otherwise',
    description: 'the sandbox payment provider; outside the local profile the worker refuses to start without a provider',
  }),
  ALLOW_LOCAL_NOTIFIER: optional(flag(), {
    defaultNote: '`true` locally, `false` otherwise',
    description:
      'the local notifier (messages kept in Postgres, `/internal/Notifications`); outside the local profile the worker needs it switched on',
  }),
  SANDBOX_DECISION_MS: setting(milliseconds({ min: 1, max: HOUR }), '2000', {
    description: 'how long the sandbox provider takes to decide a payment',
  }),

  // --- transfers
  TRANSFER_LIMITS: setting(json(transferLimits, '{"*":{"perTransfer":"10000","daily":"20000"}}'), JSON.stringify(DEFAULT_TRANSFER_LIMITS), {
    description: "default per-currency limits (major units); a client's own `limits` override them",
  }),
  TRANSFER_FEES: setting(json(fees, '{"Sepa":"0.50","Swift":"15.00"}'), JSON.stringify(DEFAULT_FEES), {
    description: "fee per transfer type, major units of the transfer's currency; types not given keep their default",
  }),
  TRANSFER_CONFIRMATION_WINDOW_MS: setting(milliseconds(SETTING_BOUNDS.confirmationWindowMs), '1800000', {
    description: 'an unconfirmed transfer is cancelled by itself after this',
  }),
  PROVIDER_SUBMIT_ATTEMPTS: setting(integer(SETTING_BOUNDS.submitAttempts), '5', {
    description: 'submissions to the provider before the transfer is `Stuck`',
  }),
  PROVIDER_RETRY_INTERVAL_MS: setting(milliseconds(SETTING_BOUNDS.submitIntervalMs), '1000', {
    description: 'the first wait between two submissions (it grows with each)',
  }),
  PROVIDER_DECISION_ATTEMPTS: setting(integer(SETTING_BOUNDS.decisionAttempts), '40', {
    description: "polls of the provider's decision before the transfer is `Stuck`",
  }),
  IBAN_COUNTRY: setting(text('country code'), 'CH', { description: 'client accounts get IBANs of this country' }),
  IBAN_BANK_CODE: setting(text('bank code'), '80808', { description: 'and this bank code (the account number completes the BBAN)' }),

  // --- one-time codes
  OTP_SECRET: optional(secret(), {
    defaultNote: 'a fixed local secret (local profile only)',
    description: 'HMAC key of stored one-time codes, other than `JWT_SECRET`',
    secret: true,
  }),
  OTP_TTL_MS: setting(milliseconds({ min: SECOND, max: DAY }), '300000', { description: 'one-time code lifetime' }),
  OTP_MAX_ATTEMPTS: setting(count(100), '5', { description: 'wrong attempts allowed per code' }),
  OTP_MAX_RESENDS: setting(count(100, 0), '3', {
    description: 'resends of a transfer code (0: none); a code locked for good cancels its transfer',
  }),
  OTP_RESEND_INTERVAL_MS: setting(milliseconds({ min: 1, max: HOUR }), '30000', {
    description: 'least time between two codes of one purpose (429 before)',
  }),
  OTP_ACCOUNT_CODES_PER_WINDOW: setting(count(100), String(DEFAULT_OTP_LIMITS.accountCodesPerWindow), {
    description: 'account codes (`POST /Accounts/send-otp`) per account and operation in `OTP_ACCOUNT_CODE_WINDOW_MS`; past it 429',
  }),
  OTP_ACCOUNT_CODE_WINDOW_MS: setting(milliseconds({ min: SECOND, max: DAY }), String(DEFAULT_OTP_LIMITS.accountCodeWindowMs), {
    description: 'the window of `OTP_ACCOUNT_CODES_PER_WINDOW`',
  }),
  OTP_WRONG_CODES_PER_DAY: setting(count(10_000), String(DEFAULT_OTP_LIMITS.wrongCodesPerDay), {
    description: 'wrong codes a client may enter per UTC day across all its codes; past it every code check is 429 until the day ends',
  }),

  // --- FX
  FX_QUOTE_TTL_MS: setting(milliseconds({ min: SECOND, max: DAY }), '30000', {
    description: 'how long an FX quote stays locked; unconfirmed, the transfer is then `Expired`',
  }),
  FX_SPREAD: setting(decimal(), '0.005', { description: "the bank's spread on the mid rate, a fraction (0.5%)" }),
  FX_RATES: optional(json(fxRates, '{"USD":"1.0850"}'), {
    defaultNote: 'built-in table',
    description: 'mid rates per 1 EUR (decimal strings) merged over the built-in ones',
  }),

  // --- documents
  DOCUMENTS_DIR: setting(text('directory'), '.data/documents', {
    description: 'where uploaded documents are kept (local storage adapter)',
  }),
  DOCUMENT_MAX_BYTES: setting(count(1024 * MIB), String(10 * MIB), { description: 'largest upload (multipart only)' }),
  DOCUMENT_THRESHOLD: setting(decimal(), '10000.00', {
    description: "amount (in the transfer's currency) from which a transfer needs a document before confirmation",
  }),
  DOCUMENT_DAILY_BYTES_PER_CLIENT: setting(count(1024 * 1024 * MIB), String(100 * MIB), {
    description: 'bytes of documents a client may store per UTC day; past it 429 until the day ends',
  }),

  // --- back office
  APPROVAL_THRESHOLDS: optional(json(approvalThresholds, '{"*":"1000","JPY":"150000"}'), {
    defaultNote: `\`${JSON.stringify(DEFAULT_APPROVAL_THRESHOLDS)}\``,
    description:
      'four eyes: a reversal, or an ops payment debiting a client account, at or above this amount of its currency (major units, merged over the default) waits for a second ops user',
  }),
  APPROVAL_TTL_MS: setting(milliseconds({ min: SECOND, max: 30 * DAY }), String(DEFAULT_APPROVAL_TTL_MS), {
    description: 'a pending approval expires after this',
  }),
  RETURN_REFUNDS_FEE: setting(flag(), 'false', { description: 'a returned outgoing transfer gives the client its fee back too' }),

  // --- logs, metrics, health, traces
  LOG_LEVEL: setting(oneOf(PINO_LEVELS), 'info', {
    description: 'pino level of the API, the worker and their workflow and activity lines',
  }),
  LOG_FORMAT: setting(oneOf(['auto', 'json', 'pretty']), 'auto', {
    description: '`json` (one object a line), `pretty` (pino-pretty, a development dependency), `auto`: pretty on a terminal',
  }),
  WORKER_METRICS_PORT: optional(port(), { description: "the worker's HTTP port: `GET /metrics`, `/health/live`, `/health/ready`" }),
  WORKER_METRICS_HOST: setting(text(), '127.0.0.1', { description: "the address of the worker's metrics port" }),
  METRICS_PORT: optional(port(), { description: "the API's internal metrics listener: `GET /metrics` without a token" }),
  METRICS_HOST: setting(text(), '127.0.0.1', { description: 'the address of that listener' }),
  BUSINESS_METRICS_MAX_AGE_MS: setting(milliseconds({ min: 0, max: 10 * MINUTE }), '15000', {
    description: 'a scrape reuses business metrics read at most this long ago (0: read at each scrape)',
  }),
  READINESS_TIMEOUT_MS: setting(milliseconds({ min: 1, max: MINUTE }), '2000', {
    description: '`/health/ready` answers 503 when Postgres takes longer; Temporal is reported, not required',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(text('URL'), {
    description: 'export traces by OTLP/HTTP to this collector (`/v1/traces` is appended); unset, no spans leave the process',
    readBy: 'the OpenTelemetry SDK',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optional(text('URL'), {
    description: 'the same, the whole traces URL',
    readBy: 'the OpenTelemetry SDK',
  }),
  OTEL_SERVICE_NAME: optional(text(), {
    defaultNote: '`corebank-api` / `corebank-worker`',
    description: 'the service name on spans',
    readBy: 'the OpenTelemetry SDK',
  }),
  OTEL_RESOURCE_ATTRIBUTES: optional(text('`key=value,...`'), {
    description: 'more attributes of every span',
    readBy: 'the OpenTelemetry SDK',
  }),
  OTEL_TRACES_SAMPLER: optional(text(), { description: 'which traces are sampled', readBy: 'the OpenTelemetry SDK' }),
  OTEL_EXPORTER_OTLP_HEADERS: optional(text('`key=value,...`'), {
    description: 'headers of every export (a collector token)',
    readBy: 'the OpenTelemetry SDK',
    secret: true,
  }),

  // --- graceful stop
  WORKER_SHUTDOWN_GRACE_MS: setting(milliseconds({ min: 0, max: HOUR }), '30000', {
    description: 'after SIGTERM the worker stops polling and gives running activities this long before cancelling them',
  }),

  // --- the runtime's database sessions and pool
  DB_STATEMENT_TIMEOUT_MS: setting(milliseconds({ min: 100, max: HOUR }), '30000', {
    description: "every runtime connection's `statement_timeout`",
  }),
  DB_LOCK_TIMEOUT_MS: setting(milliseconds({ min: 10, max: 10 * MINUTE }), '10000', {
    description: "every runtime connection's `lock_timeout`",
  }),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: setting(milliseconds({ min: SECOND, max: HOUR }), '60000', {
    description: "every runtime connection's `idle_in_transaction_session_timeout`",
  }),
  DB_MAX_LIFETIME_SECONDS: setting(seconds({ min: 60, max: 24 * 3600 }), '1800', { description: 'a connection is renewed after this' }),
  DB_POOL_MAX: setting(count(500), '20', { description: 'connections per process' }),
  DB_POOL_PROCESSES: setting(count(1_000), '1', {
    description:
      'processes sharing the server: processes x `DB_POOL_MAX` <= `max_connections` - reserved is checked at start (production refuses past it)',
  }),
  DB_RESERVED_CONNECTIONS: setting(count(1_000, 0), '10', { description: 'connections kept free for migrations, ops and monitoring' }),

  // --- retention and the daily schedules
  EVENT_RETENTION_DAYS: setting(days({ min: 1, max: 3650 }), '30', {
    description: 'the event log (`GET /internal/Events`) keeps events this long; the hourly housekeeping deletes older ones',
  }),
  NOTIFICATION_RETENTION_DAYS: setting(days({ min: 1, max: 3650 }), '90', {
    description: "older notifications are deleted (a code's message once its code expired)",
  }),
  SNAPSHOT_RETENTION_DAYS: setting(days({ min: 1, max: 36_500 }), '400', {
    description: "older daily balance snapshots are deleted (each account's latest is kept)",
  }),
  DAILY_ACCOUNT_BALANCE_AT: setting(timeOfDay(), '00:05', {
    description: 'when the end-of-day balance snapshots run, in `SCHEDULE_TIME_ZONE` (only when the schedule is created)',
  }),
  DAILY_CHECK_AT: setting(timeOfDay(), '00:20', { description: 'when the daily consistency check runs (likewise)' }),
  SCHEDULE_TIME_ZONE: setting(text('IANA time zone'), 'UTC', { description: 'the time zone of the two daily schedules' }),

  // --- webhooks
  WEBHOOK_SECRET_KEYS: optional(aesKeys(), {
    defaultNote: 'local profile: a published key; else derived from `PAYLOAD_ENCRYPTION_KEYS`',
    description:
      'webhook signing secrets are stored AES-256-GCM encrypted under the first key; all listed keys decrypt. Unset in production, keys of their own are derived (HKDF) from the payload keys: keep an old payload key listed while secrets made under it are in use',
    secret: true,
  }),
  WEBHOOK_RETRY_INITIAL_MS: setting(milliseconds({ min: 100, max: 30 * SECOND }), '10000', {
    description: 'the first wait between webhook attempts (the waits double; the first retry comes within 30 s)',
  }),
  WEBHOOK_RETRY_MAX_INTERVAL_MS: setting(milliseconds({ min: SECOND, max: DAY }), String(HOUR), {
    description: 'the longest wait between webhook attempts',
  }),
  WEBHOOK_RETRY_WINDOW_MS: setting(milliseconds({ min: SECOND, max: 30 * DAY }), String(3 * DAY), {
    description: 'a delivery is retried this long, then `failed` (production requires at least 3 days)',
  }),
};

export type SettingName = keyof typeof SETTINGS;

export const settingsSchema = z.object(SETTINGS);

export type Settings = z.output<typeof settingsSchema>;

/** What a setting's kind allows (its words for the table, a number's bounds), read through `setting`'s pipe or `optional`'s wrapper. */
export function allowedOf(name: SettingName) {
  const def = (SETTINGS[name] as unknown as { _zod: { def: { type: string; out?: z.ZodType; innerType?: z.ZodType } } })._zod.def;
  const kind = def.type === 'pipe' ? def.out : def.type === 'optional' ? def.innerType : undefined;
  return kind ? ALLOWED.get(kind) : undefined;
}
