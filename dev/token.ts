import { parseArgs } from 'node:util';
import { mintToken } from '../cli/token';
import { ROLES, type Role } from '../domain/caller';

/**
 * Prints a JWT for the configured secret (the ops CLI's `corebank token` mints the same way):
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
  console.log(await mintToken({ role, sub: values.sub ?? `${role}-cli`, ttlSeconds }, process.env));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
