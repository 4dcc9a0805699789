/** Who calls: the role and subject of an authenticated token (a client id for role `client`). */
export type Role = 'client' | 'system' | 'ops';
export const ROLES: readonly Role[] = ['client', 'system', 'ops'];

export interface Caller {
  sub: string;
  role: Role;
}

/** How an ops intervention is attributed in audit rows: `ops:<sub>`. */
export const actorOf = (caller: Caller) => `${caller.role}:${caller.sub}`;

/** The caller an `actorOf` string names (the sub may hold ':' itself); an unknown role reads as system. */
export function callerOf(actor: string): Caller {
  const at = actor.indexOf(':');
  const role = actor.slice(0, Math.max(at, 0));
  return at > 0 && (ROLES as readonly string[]).includes(role)
    ? { role: role as Role, sub: actor.slice(at + 1) }
    : { role: 'system', sub: actor };
}

/** `{ role, sub }` of the token that started a payment or transfer; null for rows from before it was recorded. */
export const createdByOf = (row: { createdByRole: Role | null; createdBySub: string | null }): Caller | null =>
  row.createdByRole && row.createdBySub ? { role: row.createdByRole, sub: row.createdBySub } : null;
