import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../domain/caller';
import { parsed, positiveInteger, UsageError } from './args';
import { print } from './output';

/**
 * Tokens minted with the configured JWT secret (here and for `npm run token`, dev/token.ts): the
 * API's issueToken and loadConfig, so whatever secret the local API accepts, these carry.
 */
export async function mintToken(request: { role: Role; sub: string; ttlSeconds: number }, env: NodeJS.ProcessEnv): Promise<string> {
  // Loaded only here: the other commands need neither the API's auth module nor the configuration.
  const [{ issueToken }, { loadConfig }] = await Promise.all([import('../api/auth'), import('../config/env')]);
  const { jwtSecret } = loadConfig({ ...env, DATABASE_URL: env.DATABASE_URL ?? 'unused' });
  if (!jwtSecret) throw new UsageError('tokens are minted by the JWKS issuer in this configuration (JWT_JWKS_URL), not here');
  return issueToken(jwtSecret, request);
}

export const TOKEN_USAGE = `corebank token --role system|ops|client [--sub <name or clientId>] [--ttl <seconds>]
  Prints a JWT signed with the local JWT secret (JWT_SECRET, or the local profile's default), like
  \`npm run token\`. --role client needs --sub <clientId>; --ttl defaults to 43200 (12 h).`;

export async function tokenCommand(argv: string[]): Promise<number> {
  const { values } = parsed(() =>
    parseArgs({
      args: argv,
      options: { role: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string', default: '43200' } },
      strict: true,
    }),
  );
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  if (role === 'client' && !values.sub) throw new UsageError('--role client needs --sub <clientId>');
  const ttlSeconds = positiveInteger(values.ttl, '--ttl');
  print(await mintToken({ role, sub: values.sub ?? `${role}-cli`, ttlSeconds }, process.env));
  return 0;
}
