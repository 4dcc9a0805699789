import postgres from 'postgres';

/** Custom types of our instance: int8 is a JS bigint. */
type CustomTypes = { bigint: bigint };
export type Sql = postgres.Sql<CustomTypes>;
export type TransactionSql = postgres.TransactionSql<CustomTypes>;
/** Either the pool or an open transaction: read functions accept both. */
export type Queryable = Sql | TransactionSql;

export interface SqlOptions {
  /** Connections in the pool. */
  max?: number;
  /** Server-side limits of every session of the pool (the runtime's; migrations set their own). */
  session?: SessionLimits;
  /** A connection is closed and replaced after this many seconds (postgres.js max_lifetime). */
  maxLifetimeSeconds?: number;
}

/**
 * What a runtime session may hold, enforced by the server: a statement running longer is cancelled
 * (57014), a lock not granted in time fails the statement (55P03) instead of queueing writes
 * behind it, and a transaction left open without a statement is ended with its session.
 */
export interface SessionLimits {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/**
 * The one postgres.js instance of a process. int8 columns come back as bigint (money is never a
 * JS number) and column names are camelCased.
 */
export function createSql(databaseUrl: string, options: SqlOptions = {}): Sql {
  const session = options.session;
  return postgres(databaseUrl, {
    max: options.max ?? 10,
    types: { bigint: postgres.BigInt },
    transform: postgres.camel,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 30,
    // Connections are renewed now and then: after a failover or a restart behind a proxy, a pool of
    // old sockets does not live on for good (postgres.js's default is 30 to 60 minutes).
    ...(options.maxLifetimeSeconds ? { max_lifetime: options.maxLifetimeSeconds } : {}),
    // Sent in the startup message, so every connection (and every reconnect) has them at once.
    ...(session
      ? {
          connection: {
            statement_timeout: session.statementTimeoutMs,
            lock_timeout: session.lockTimeoutMs,
            idle_in_transaction_session_timeout: session.idleInTransactionTimeoutMs,
          },
        }
      : {}),
  });
}

/** Postgres error codes the ledger reacts to. */
export const PgCode = {
  UNIQUE_VIOLATION: '23505',
  CHECK_VIOLATION: '23514',
  FOREIGN_KEY_VIOLATION: '23503',
  SERIALIZATION_FAILURE: '40001',
  DEADLOCK_DETECTED: '40P01',
  INVALID_TEXT_REPRESENTATION: '22P02',
} as const;

export function pgErrorCode(error: unknown): string | undefined {
  return error instanceof postgres.PostgresError ? error.code : undefined;
}

export function pgConstraint(error: unknown): string | undefined {
  return error instanceof postgres.PostgresError ? error.constraint_name : undefined;
}

/** Joins optional conditions with AND (TRUE when there are none); null entries are skipped. */
export function whereAll(sql: Queryable, conditions: (postgres.PendingQuery<postgres.Row[]> | null)[]) {
  return conditions.filter((c) => c !== null).reduce((acc, c) => sql`${acc} AND ${c}`, sql`TRUE`);
}

/** A round trip to the database: throws when it does not answer. */
export async function pingDatabase(sql: Queryable): Promise<void> {
  await sql`SELECT 1`;
}

/**
 * Runs fn in a transaction: the open one when `sql` is a transaction already (postgres.js gives
 * only transactions a `savepoint`), else a new one. For writes that must commit together, such as
 * a change and its event (ledger/events.ts), whoever the caller is.
 */
export function atomically<T>(sql: Queryable, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  if ('savepoint' in sql) return fn(sql as TransactionSql);
  return (sql as Sql).begin((tx) => fn(tx)) as Promise<T>;
}
