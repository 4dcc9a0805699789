import type { Sql } from './db';

/**
 * The user of a connection URL, when MIGRATION_DATABASE_URL and DATABASE_URL name two roles: the
 * migration step (the tables' owner) grants the runtime role (DATABASE_URL's user) its rights.
 * undefined when both are one role (a single-role setup, as `npm start` without the variables).
 */
export function runtimeRoleOf(migrationUrl: string, runtimeUrl: string): string | undefined {
  const runtime = decodeURIComponent(new URL(runtimeUrl).username);
  const owner = decodeURIComponent(new URL(migrationUrl).username);
  return runtime && runtime !== owner ? runtime : undefined;
}

/**
 * Creates the runtime role with a password when it does not exist (dev and test Postgres only;
 * in production the DBA makes roles): LOGIN, not a superuser, owns nothing.
 */
export async function ensureLoginRole(sql: Sql, role: string, password: string): Promise<void> {
  const [exists] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${role}`;
  if (exists) return;
  // CREATE ROLE takes no bind parameters: the password is quoted as a literal by the server's rules.
  await sql.unsafe(`CREATE ROLE ${quoteIdent(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${quoteLiteral(password)}`);
}

/** A URL like `url` for another user and password. */
export function urlForRole(url: string, role: string, password: string): string {
  const next = new URL(url);
  next.username = encodeURIComponent(role);
  next.password = encodeURIComponent(password);
  return next.toString();
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;
