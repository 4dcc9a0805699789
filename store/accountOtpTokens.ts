import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../ledger/db';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Issues the single-use token a verified account OTP gives; only its hash is stored. */
export async function issueOtpToken(
  sql: Queryable,
  t: { confirmationId: string; clientId: string; accountId: string; operation: string; ttlMs: number },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + t.ttlMs);
  // One token per verified code: verifying the same code again replaces it (the old one is void).
  await sql`
    INSERT INTO account_otp_tokens (token_hash, confirmation_id, client_id, account_id, operation, expires_at)
    VALUES (${hashToken(token)}, ${t.confirmationId}, ${t.clientId}, ${t.accountId}, ${t.operation}, ${expiresAt})
    ON CONFLICT (confirmation_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at
    WHERE account_otp_tokens.used_at IS NULL`;
  return token;
}

/** Spends a token for exactly this client, account and operation; false when it is not one (or used, or expired). */
export async function spendOtpToken(
  sql: Queryable,
  token: string,
  t: { clientId: string; accountId: string; operation: string },
): Promise<boolean> {
  const spent = await sql`
    UPDATE account_otp_tokens SET used_at = now()
    WHERE token_hash = ${hashToken(token)} AND used_at IS NULL AND expires_at > now()
      AND client_id = ${t.clientId} AND account_id = ${t.accountId} AND operation = ${t.operation}
    RETURNING 1`;
  return spent.length === 1;
}
