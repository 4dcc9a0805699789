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
}

/**
 * The one postgres.js instance of a process. int8 columns come back as bigint (money is never a
 * JS number) and column names are camelCased.
 */
export function createSql(databaseUrl: string, options: SqlOptions = {}): Sql {
  return postgres(databaseUrl, {
    max: options.max ?? 10,
    types: { bigint: postgres.BigInt },
    transform: postgres.camel,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 30,
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

/** postgres.js codes for a connection that failed or went away. */
const CONNECTION_ERRORS = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
]);

/**
 * True when the database is unreachable or restarting (connection errors, SQLSTATE classes 08
 * and 57): the request may succeed if retried, so the API answers 503, not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return CONNECTION_ERRORS.has(code) || code.startsWith('08') || code.startsWith('57');
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
