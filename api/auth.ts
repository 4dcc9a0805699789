import type { MiddlewareHandler } from 'hono';
import { sign, verify } from 'hono/jwt';
import { type Caller, ROLES, type Role } from '../domain/caller';
import { DomainError, ErrorCode } from '../domain/errors';

export type AuthEnv = { Variables: { caller: Caller } };

/** Paths anyone may call. */
const PUBLIC_PATHS = new Set(['/health', '/openapi.json', '/docs', '/metrics']);

/** System routes live under /internal, /v2/internal and /v2/ledger/internal; the rest are FrontOffice. */
export function isSystemPath(path: string): boolean {
  return /^\/(v2\/(ledger\/)?)?internal(\/|$)/.test(path);
}

/**
 * Authenticates the bearer JWT (HS256) and applies API.md's role rule by path: FrontOffice routes
 * need `client`, system routes `system` or `ops`. Manual interventions narrow it further with
 * requireRole('ops').
 */
export function authenticate(secret: string): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'a bearer token is required');
    let payload: Record<string, unknown>;
    try {
      payload = await verify(match[1], secret, 'HS256');
    } catch {
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'the token is invalid or expired');
    }
    const { sub, role } = payload;
    if (typeof sub !== 'string' || sub === '' || !ROLES.includes(role as Role)) {
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'the token lacks sub or role');
    }
    const caller: Caller = { sub, role: role as Role };
    const allowed = isSystemPath(c.req.path) ? caller.role !== 'client' : caller.role === 'client';
    if (!allowed) throw new DomainError(ErrorCode.FORBIDDEN, `role ${caller.role} may not call this route`);
    c.set('caller', caller);
    return next();
  };
}

export function requireRole(...roles: Role[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (!roles.includes(c.get('caller').role)) {
      throw new DomainError(ErrorCode.FORBIDDEN, `this action needs role ${roles.join(' or ')}`);
    }
    return next();
  };
}

export interface TokenRequest {
  role: Role;
  sub: string;
  /** Lifetime; tokens always expire. */
  ttlSeconds?: number;
}

export async function issueToken(secret: string, request: TokenRequest): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: request.sub, role: request.role, iat: now, exp: now + (request.ttlSeconds ?? 12 * 3600) }, secret, 'HS256');
}
