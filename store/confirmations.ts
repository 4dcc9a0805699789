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
  resends: number;
  lastSentAt: Date;
  lastSendId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface OtpPolicy {
  /** HMAC key for stored codes. */
  secret: string;
  ttlMs: number;
  /** Wrong codes allowed per code. */
  maxAttempts: number;
  /** API.md: at most 3 resends of a code, 30 s apart. */
  maxResends: number;
  resendIntervalMs: number;
}

const hashCode = (secret: string, id: string, code: string) => createHmac('sha256', secret).update(`${id}:${code}`).digest('hex');

/** A random 6-digit code (uniform, leading zeros kept). */
export const newOtpCode = () => randomInt(0, 1_000_000).toString().padStart(6, '0');

/**
 * Issues a code under the confirmation id: the first one, or a resend that voids the old code and
 * gives the new one its own attempts. `sendId` names the send (the workflow's update id): a
 * retried send re-issues the same send instead of counting as another resend. Returns the code in
 * clear once, for the notifier.
 */
export async function issueCode(
  sql: Sql,
  policy: OtpPolicy,
  c: { id: string; clientId: string; transferId: string | null; operation: string; sendId: string | null },
): Promise<{ code: string; expiresAt: Date }> {
  const code = newOtpCode();
  const codeHash = hashCode(policy.secret, c.id, code);
  const expiresAt = new Date(Date.now() + policy.ttlMs);
  const refusal = await sql.begin(async (tx) => {
    const [existing] = await tx<[ConfirmationRow?]>`SELECT * FROM confirmations WHERE id = ${c.id} FOR UPDATE`;
    if (!existing) {
      await tx`
        INSERT INTO confirmations (id, client_id, transfer_id, operation, code_hash, expires_at, attempts_left, status, last_send_id)
        VALUES (${c.id}, ${c.clientId}, ${c.transferId}, ${c.operation}, ${codeHash}, ${expiresAt}, ${policy.maxAttempts}, 'pending', ${c.sendId})`;
      return undefined;
    }
    if (existing.status === 'verified')
      return new DomainError(ErrorCode.INVALID_STATE_TRANSITION, 'the code was already confirmed', { from: 'verified', action: 'resend' });
    // The same send again (an activity retried): re-issue it. Workflows started before sends were
    // named send their first code unnamed; a second unnamed send before any resend is that retry.
    const retry = existing.lastSendId === c.sendId && (c.sendId !== null || existing.resends === 0);
    if (!retry) {
      if (existing.resends >= policy.maxResends) {
        return new DomainError(ErrorCode.OTP_ATTEMPTS_EXCEEDED, `no more codes: at most ${policy.maxResends} resends`, {
          locked: existing.attemptsLeft <= 0,
        });
      }
      const waitMs = existing.lastSentAt.getTime() + policy.resendIntervalMs - Date.now();
      if (waitMs > 0) {
        return new DomainError(ErrorCode.RATE_LIMITED, `a new code can be sent ${policy.resendIntervalMs / 1000} s after the last one`, {
          retryAfterSeconds: Math.ceil(waitMs / 1000),
        });
      }
    }
    await tx`
      UPDATE confirmations SET code_hash = ${codeHash}, expires_at = ${expiresAt}, last_sent_at = now(), last_send_id = ${c.sendId},
        attempts_left = ${retry ? tx`attempts_left` : policy.maxAttempts},
        resends = resends + ${retry ? 0 : 1}, updated_at = now()
      WHERE id = ${c.id}`;
    return undefined;
  });
  if (refusal) throw refusal;
  return { code, expiresAt };
}

/** No attempts left on the current code and no resend left: the confirmation is locked for good. */
export const isLockedForGood = (policy: OtpPolicy, c: Pick<ConfirmationRow, 'attemptsLeft' | 'resends'>) =>
  c.attemptsLeft <= 0 && c.resends >= policy.maxResends;

export async function getConfirmation(sql: Queryable, id: string): Promise<ConfirmationRow | undefined> {
  const [row] = await sql<[ConfirmationRow?]>`SELECT * FROM confirmations WHERE id = ${id}`;
  return row;
}

const exhausted = (policy: OtpPolicy, c: Pick<ConfirmationRow, 'attemptsLeft' | 'resends'>) =>
  isLockedForGood(policy, c)
    ? new DomainError(ErrorCode.OTP_ATTEMPTS_EXCEEDED, 'too many wrong codes: the confirmation is locked for good', { locked: true })
    : new DomainError(ErrorCode.OTP_ATTEMPTS_EXCEEDED, 'too many wrong codes; ask for a new one', { locked: false });

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
    if (c.attemptsLeft <= 0) return exhausted(policy, c);
    if (matches) {
      await tx`UPDATE confirmations SET status = 'verified', updated_at = now() WHERE id = ${id}`;
      return undefined;
    }
    await tx`UPDATE confirmations SET attempts_left = attempts_left - 1, updated_at = now() WHERE id = ${id}`;
    const after = { ...c, attemptsLeft: c.attemptsLeft - 1 };
    // The wrong code that uses the last attempt of the last code locks it for good at once.
    if (isLockedForGood(policy, after)) return exhausted(policy, after);
    return new DomainError(ErrorCode.OTP_INVALID, 'the code is wrong', { attemptsLeft: after.attemptsLeft });
  });
  if (failure) throw failure;
}
