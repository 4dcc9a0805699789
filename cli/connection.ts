import { userInfo } from 'node:os';
import { type CorebankClient, createCorebankClient } from '../client';
import { mintToken } from './token';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

export const apiUrl = (env: NodeJS.ProcessEnv = process.env) => env.COREBANK_API_URL || DEFAULT_API_URL;

/**
 * The typed client for COREBANK_API_URL with COREBANK_TOKEN; without one, an ops token minted with
 * the local JWT secret (what `corebank token --role ops` prints), named after the OS user for the audit.
 */
export async function connect(env: NodeJS.ProcessEnv = process.env): Promise<CorebankClient> {
  const token = env.COREBANK_TOKEN || (await mintToken({ role: 'ops', sub: `ops-cli:${osUser()}`, ttlSeconds: 3600 }, env));
  return createCorebankClient(apiUrl(env), token);
}

function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
