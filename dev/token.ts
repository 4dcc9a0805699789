import { parseArgs } from 'node:util';
import { issueToken } from '../api/auth';
import { loadConfig } from '../config/env';
import { ROLES, type Role } from '../domain/caller';

/**
 * Prints a JWT for the configured secret:
 *   npm run token -- --role system
 *   npm run token -- --role client --sub <clientId>
 */
async function main() {
  const { values } = parseArgs({
    options: { role: { type: 'string', default: 'system' }, sub: { type: 'string' }, ttl: { type: 'string', default: '43200' } },
  });
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  if (role === 'client' && !values.sub) throw new Error('--role client needs --sub <clientId>');
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error('--ttl must be a positive number of seconds');
  const { jwtSecret } = loadConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
  if (!jwtSecret) throw new Error('tokens are minted by the JWKS issuer in this configuration (JWT_JWKS_URL), not here');
  console.log(await issueToken(jwtSecret, { role, sub: values.sub ?? `${role}-cli`, ttlSeconds }));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
