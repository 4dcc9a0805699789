/** Who calls: the role and subject of an authenticated token (a client id for role `client`). */
export type Role = 'client' | 'system' | 'ops';
export const ROLES: readonly Role[] = ['client', 'system', 'ops'];

export interface Caller {
  sub: string;
  role: Role;
}

/** How an ops intervention is attributed in audit rows: `ops:<sub>`. */
export const actorOf = (caller: Caller) => `${caller.role}:${caller.sub}`;
