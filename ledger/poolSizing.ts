import type { Queryable } from './db';

export interface PoolSizing {
  /** Connections in each process's pool. */
  poolMax: number;
  /** Processes (API and worker replicas) that open such a pool against this server. */
  processes: number;
  /** Connections kept free for migrations, ops sessions and monitoring. */
  reserved: number;
}

export interface PoolSizingVerdict {
  ok: boolean;
  maxConnections: number;
  /** processes x poolMax: what the pools may open together. */
  wanted: number;
  /** max_connections - reserved: what they may use. */
  allowed: number;
  message: string;
}

/**
 * The pool-sizing rule: processes x poolMax <= max_connections - reserved. Past it the server
 * answers "too many clients" (53300) under load, to whichever process asks last. Checked at start
 * against the server's own max_connections (superuser_reserved_connections are on top of what an
 * ordinary role may use, so they need no room here).
 */
export async function checkPoolSizing(sql: Queryable, sizing: PoolSizing): Promise<PoolSizingVerdict> {
  const [row] = await sql<{ maxConnections: string }[]>`SELECT current_setting('max_connections') AS max_connections`;
  const maxConnections = Number(row?.maxConnections);
  return poolSizingVerdict(maxConnections, sizing);
}

export function poolSizingVerdict(maxConnections: number, { poolMax, processes, reserved }: PoolSizing): PoolSizingVerdict {
  const wanted = processes * poolMax;
  const allowed = maxConnections - reserved;
  const ok = wanted <= allowed;
  const message = ok
    ? `pool sizing: ${processes} process(es) x ${poolMax} connections = ${wanted} <= max_connections ${maxConnections} - ${reserved} reserved`
    : `pool sizing: ${processes} process(es) (DB_POOL_PROCESSES) x ${poolMax} connections (DB_POOL_MAX) = ${wanted} is more than max_connections ${maxConnections} - ${reserved} reserved (DB_RESERVED_CONNECTIONS) = ${allowed}: lower DB_POOL_MAX, or raise the server's max_connections`;
  return { ok, maxConnections, wanted, allowed, message };
}
