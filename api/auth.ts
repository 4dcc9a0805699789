import { webcrypto } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { sign } from 'hono/jwt';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { TokenPolicy } from '../config/env';
import { type Caller, ROLES, type Role } from '../domain/caller';
import { DomainError, ErrorCode } from '../domain/errors';
import { isUuid } from '../domain/ids';
import { hasControlCharacters } from '../domain/text';
import type { CountedWrite } from '../usecases/rateLimits';

/** The caller, and (for a write with an Idempotency-Key) the write as counted against its limit (api/idempotency.ts). */
export type AuthEnv = { Variables: { caller: Caller; countedWrite?: CountedWrite } };

/** Paths anyone may call: none of them reads the caller. */
const PUBLIC_PATHS = new Set(['/health', '/health/live', '/health/ready', '/openapi.json', '/docs']);

/** Operational routes outside the route families of docs/api.md, for system and ops tokens only. */
const OPERATOR_PATHS = new Set(['/metrics', '/codec/decode', '/codec/encode']);

/** Routes docs/api.md opens to client tokens and system/ops tokens alike. */
const SHARED_PATHS = new Set(['/BaasProvider/available-currencies']);

/** System routes live under /internal, /v2/internal and /v2/ledger/internal; the rest are FrontOffice. */
export function isSystemPath(path: string): boolean {
  return /^\/(v2\/(ledger\/)?)?internal(\/|$)/.test(path);
}

const MAX_SUB_LENGTH = 200;

const unauthenticated = (message: string) => new DomainError(ErrorCode.UNAUTHENTICATED, message);

/**
 * The HS256 secret as a key imported once: given the raw bytes, jose imports them again on every
 * verify, which cost about 0.1 ms of the API's CPU per request.
 */
function hmacKey(secret: string): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
}

/** Verifies a bearer token and returns its caller; every failure is UNAUTHENTICATED. */
export function tokenVerifier(policy: TokenPolicy): (token: string) => Promise<Caller> {
  if (!policy.jwksUrl && !policy.secret) throw new Error('a token policy needs a secret or a JWKS URL');
  const key = policy.jwksUrl ? createRemoteJWKSet(new URL(policy.jwksUrl)) : hmacKey(policy.secret ?? '');
  const options = {
    algorithms: policy.jwksUrl ? ['RS256', 'ES256', 'EdDSA'] : ['HS256'],
    requiredClaims: ['exp', 'sub'],
    ...(policy.issuer ? { issuer: policy.issuer } : {}),
    ...(policy.audience ? { audience: policy.audience } : {}),
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      payload = (await jwtVerify(token, (typeof key === 'function' ? key : await key) as never, options)).payload;
    } catch {
      throw unauthenticated('the token is invalid or expired');
    }
    const { role, exp } = payload;
    const sub = typeof payload.sub === 'string' ? payload.sub : '';
    // The sub names the caller in stored keys (idempotency, rate limits, audit): a short printable name.
    if (sub === '' || sub.length > MAX_SUB_LENGTH || hasControlCharacters(sub) || !ROLES.includes(role as Role)) {
      throw unauthenticated('the token lacks a usable sub or role');
    }
    if (typeof exp !== 'number' || exp - Date.now() / 1000 > policy.maxTtlSeconds) {
      throw unauthenticated(`the token lives longer than ${policy.maxTtlSeconds} s`);
    }
    // A client token names its client: a sub that is not even a client id is refused here, before any query.
    if (role === 'client' && !isUuid(sub)) throw unauthenticated('the token does not name a client');
    // One spelling of a client id: ids are compared as strings (a client's own transfers, say).
    return { sub: role === 'client' ? sub.toLowerCase() : sub, role: role as Role };
  };
}

/**
 * Authenticates the bearer JWT and applies the role rule by path of docs/api.md: FrontOffice routes need
 * `client` (whose sub must be an existing client), system routes `system` or `ops`. Manual
 * interventions narrow it further with requireRole('ops').
 */
export function authenticate(
  verify: (token: string) => Promise<Caller>,
  clientExists: (id: string) => Promise<boolean>,
): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path) || c.req.path.startsWith('/docs/assets/')) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthenticated('a bearer token is required');
    const caller = await verify(match[1]);
    if (caller.role === 'client' && !(await clientExists(caller.sub))) throw unauthenticated('the token names no client of this bank');
    const allowed =
      SHARED_PATHS.has(c.req.path) ||
      (isSystemPath(c.req.path) || OPERATOR_PATHS.has(c.req.path) ? caller.role !== 'client' : caller.role === 'client');
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
