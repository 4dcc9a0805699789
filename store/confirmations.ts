import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { DomainError, ErrorCode } from '../domain/errors';
import type { Queryable, Sql } from '../ledger/db';

export interface ConfirmationRow {
  id: string;
  clientId: string;
  transferId: string | null;
  operation: string;
  codeHash: string;
  expiresAt: Date;
  attemptsLeft: number;
  status: 'pending' | 'verified';
  createdAt: Date;
  updatedAt: Date;
}

export interface OtpPolicy {
  /** HMAC key for stored codes. */
  secret: string;
  ttlMs: number;
  maxAttempts: number;
}

const hashCode = (secret: string, id: string, code: string) => createHmac('sha256', secret).update(`${id}:${code}`).digest('hex');

/** A random 6-digit code (uniform, leading zeros kept). */
export const newOtpCode = () => randomInt(0, 1_000_000).toString().padStart(6, '0');

/**
 * Issues a fresh code under the confirmation id: a new one, or a resend that voids the old code
 * and restores the attempts. Returns the code in clear once, for the notifier.
 */
export async function issueCode(
  sql: Queryable,
  policy: OtpPolicy,
  c: { id: string; clientId: string; transferId: string | null; operation: string },
): Promise<{ code: string; expiresAt: Date }> {
  const code = newOtpCode();
  const expiresAt = new Date(Date.now() + policy.ttlMs);
  await sql`
    INSERT INTO confirmations (id, client_id, transfer_id, operation, code_hash, expires_at, attempts_left, status)
    VALUES (${c.id}, ${c.clientId}, ${c.transferId}, ${c.operation}, ${hashCode(policy.secret, c.id, code)}, ${expiresAt}, ${policy.maxAttempts}, 'pending')
    ON CONFLICT (id) DO UPDATE SET code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at,
      attempts_left = EXCLUDED.attempts_left, updated_at = now()
    WHERE confirmations.status = 'pending'`;
  return { code, expiresAt };
}

export async function getConfirmation(sql: Queryable, id: string): Promise<ConfirmationRow | undefined> {
  const [row] = await sql<[ConfirmationRow?]>`SELECT * FROM confirmations WHERE id = ${id}`;
  return row;
}

/**
 * Checks a code. A wrong code costs an attempt, and that is committed even though the check
 * fails. A verified confirmation verifies again with the same code (a retried check is not a
 * second attempt); any other code is still wrong, so a repeated confirm cannot be guessed past.
 */
export async function verifyCode(sql: Sql, policy: OtpPolicy, id: string, code: string): Promise<void> {
  const failure = await sql.begin(async (tx) => {
    const [c] = await tx<[ConfirmationRow?]>`SELECT * FROM confirmations WHERE id = ${id} FOR UPDATE`;
    if (!c) return new DomainError(ErrorCode.NOT_FOUND, `confirmation ${id} not found`);
    const matches = timingSafeEqual(Buffer.from(c.codeHash, 'hex'), Buffer.from(hashCode(policy.secret, id, code), 'hex'));
    if (c.status === 'verified') return matches ? undefined : new DomainError(ErrorCode.OTP_INVALID, 'the code is wrong');
    if (c.expiresAt.getTime() < Date.now()) return new DomainError(ErrorCode.OTP_EXPIRED, 'the code has expired; ask for a new one');
    if (c.attemptsLeft <= 0) return new DomainError(ErrorCode.OTP_ATTEMPTS_EXCEEDED, 'too many wrong codes; ask for a new one');
    if (matches) {
      await tx`UPDATE confirmations SET status = 'verified', updated_at = now() WHERE id = ${id}`;
      return undefined;
    }
    await tx`UPDATE confirmations SET attempts_left = attempts_left - 1, updated_at = now() WHERE id = ${id}`;
    return new DomainError(ErrorCode.OTP_INVALID, 'the code is wrong', { attemptsLeft: c.attemptsLeft - 1 });
  });
  if (failure) throw failure;
}
