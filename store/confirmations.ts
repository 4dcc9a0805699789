import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { DomainError, ErrorCode } from '../domain/errors';
import {
  accountCodeRefusal,
  checkCode,
  limitsOf,
  type OtpPolicy,
  type PresentedCode,
  resendRefusal,
  utcDay,
  wrongCodeBudgetNotice,
  wrongCodeBudgetRefusal,
  wrongCodesLeft,
} from '../domain/otpPolicy';
import type { Queryable, Sql, TransactionSql } from '../ledger/db';

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

/** Where the client hears that its codes are blocked for the day (the notifier; structurally, so the store imports no adapter). */
export interface CodeNotifier {
  send(n: { clientId: string; channel: 'sms' | 'email'; subject: string; body: string }): Promise<void>;
}

const hashCode = (secret: string, id: string, code: string) => createHmac('sha256', secret).update(`${id}:${code}`).digest('hex');

/** The code as the API hands it to a workflow: its keyed hash, never the code (domain/otpPolicy.ts PresentedCode). */
export const presentCode = (policy: Pick<OtpPolicy, 'secret'>, id: string, code: string): PresentedCode => ({
  codeHash: hashCode(policy.secret, id, code),
});

const hashOf = (policy: Pick<OtpPolicy, 'secret'>, id: string, presented: PresentedCode) =>
  'codeHash' in presented ? presented.codeHash : hashCode(policy.secret, id, presented.code);

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
    // The same send again (an activity retried): re-issue it. Workflows started before sends were
    // named send their first code unnamed; a second unnamed send before any resend is that retry.
    const retry = existing.lastSendId === c.sendId && (c.sendId !== null || existing.resends === 0);
    const refusal = resendRefusal(policy, existing, new Date(), retry);
    if (refusal) return refusal;
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

/**
 * Issues a code for an account operation (send-otp): each send is a confirmation of its own, so
 * the sends of one account and operation are counted over the policy's window and spaced like
 * resends. The sends of one operation take turns on a transaction lock, so parallel requests
 * cannot all pass the count.
 */
export async function issueAccountCode(
  sql: Sql,
  policy: OtpPolicy,
  c: { id: string; clientId: string; operation: string },
): Promise<{ code: string; expiresAt: Date }> {
  const code = newOtpCode();
  const expiresAt = new Date(Date.now() + policy.ttlMs);
  const refusal = await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`otp:${c.operation}`}, 0))`;
    const window = limitsOf(policy).accountCodeWindowMs;
    const sent = await tx<{ createdAt: Date }[]>`
      SELECT created_at FROM confirmations
      WHERE operation = ${c.operation} AND transfer_id IS NULL AND client_id = ${c.clientId}
        AND created_at > now() - ${`${window} milliseconds`}::interval`;
    const tooMany = accountCodeRefusal(
      policy,
      sent.map((r) => r.createdAt),
      new Date(),
    );
    if (tooMany) return tooMany;
    await tx`
      INSERT INTO confirmations (id, client_id, transfer_id, operation, code_hash, expires_at, attempts_left, status, last_send_id)
      VALUES (${c.id}, ${c.clientId}, NULL, ${c.operation}, ${hashCode(policy.secret, c.id, code)}, ${expiresAt}, ${policy.maxAttempts},
              'pending', ${c.id})`;
    return undefined;
  });
  if (refusal) throw refusal;
  return { code, expiresAt };
}

export async function getConfirmation(sql: Queryable, id: string): Promise<ConfirmationRow | undefined> {
  const [row] = await sql<[ConfirmationRow?]>`SELECT * FROM confirmations WHERE id = ${id}`;
  return row;
}

/**
 * The client's wrong codes today, its row locked: checks of one client's codes take turns, so
 * parallel guesses cannot pass the daily budget together.
 */
async function lockWrongCodes(tx: TransactionSql, clientId: string, day: string): Promise<{ wrong: number; notifiedAt: Date | null }> {
  await tx`INSERT INTO otp_wrong_codes (client_id, day) VALUES (${clientId}, ${day}) ON CONFLICT DO NOTHING`;
  const [row] = await tx<[{ wrong: number; notifiedAt: Date | null }]>`
    SELECT wrong, notified_at FROM otp_wrong_codes WHERE client_id = ${clientId} AND day = ${day} FOR UPDATE`;
  return row;
}

/**
 * Tells the client once that its budget of wrong codes is spent. Marked only after the send, so a
 * failed send is tried again by the next check (a retried activity, the next request).
 */
async function noticeBudgetSpent(sql: Sql, policy: OtpPolicy, notifier: CodeNotifier, clientId: string, now: Date) {
  const { day } = utcDay(now);
  const [due] = await sql`SELECT 1 FROM otp_wrong_codes WHERE client_id = ${clientId} AND day = ${day} AND notified_at IS NULL`;
  if (!due) return;
  await notifier.send({ clientId, channel: 'sms', ...wrongCodeBudgetNotice(policy, now) });
  await sql`UPDATE otp_wrong_codes SET notified_at = now() WHERE client_id = ${clientId} AND day = ${day}`;
}

/**
 * Checks a code. A wrong code costs an attempt of the code and one of the client's daily budget
 * of wrong codes (domain/otpPolicy.ts), and that is committed even though the check fails. Once
 * the budget is spent every check of the client's codes is 429 RATE_LIMITED until the UTC day
 * ends, the right code included (else guessing could go on, only answered differently), and the
 * client is told through `notifier`. A verified confirmation verifies again with the same code (a
 * retried check is not a second attempt); any other code is still wrong, so a repeated confirm
 * cannot be guessed past.
 */
export async function verifyCode(
  sql: Sql,
  policy: OtpPolicy,
  id: string,
  presented: PresentedCode,
  notifier?: CodeNotifier,
): Promise<void> {
  const now = new Date();
  const { day } = utcDay(now);
  const [owner] = await sql<[{ clientId: string }?]>`SELECT client_id FROM confirmations WHERE id = ${id}`;
  if (!owner) throw new DomainError(ErrorCode.NOT_FOUND, `confirmation ${id} not found`);
  const outcome = await sql.begin(async (tx): Promise<{ failure?: DomainError; budgetSpent?: boolean }> => {
    const budget = await lockWrongCodes(tx, owner.clientId, day);
    const spent = wrongCodeBudgetRefusal(policy, budget.wrong, now);
    if (spent) return { failure: spent, budgetSpent: budget.notifiedAt === null };
    const [c] = await tx<[ConfirmationRow]>`SELECT * FROM confirmations WHERE id = ${id} FOR UPDATE`;
    const presentedHash = Buffer.from(hashOf(policy, id, presented), 'hex');
    const matches = presentedHash.length === 32 && timingSafeEqual(Buffer.from(c.codeHash, 'hex'), presentedHash);
    const check = checkCode(policy, c, matches, now);
    if (check.kind === 'verify') await tx`UPDATE confirmations SET status = 'verified', updated_at = now() WHERE id = ${id}`;
    if (check.kind !== 'wrong') return check.kind === 'refuse' ? { failure: check.failure } : {};
    if (check.usesAttempt) await tx`UPDATE confirmations SET attempts_left = attempts_left - 1, updated_at = now() WHERE id = ${id}`;
    await tx`UPDATE otp_wrong_codes SET wrong = wrong + 1 WHERE client_id = ${owner.clientId} AND day = ${day}`;
    return { failure: check.failure, budgetSpent: wrongCodesLeft(policy, budget.wrong + 1) <= 0 };
  });
  // A failed notice does not change the answer: the next check of the client's codes tries again.
  if (outcome.budgetSpent && notifier) await noticeBudgetSpent(sql, policy, notifier, owner.clientId, now).catch(() => undefined);
  if (outcome.failure) throw outcome.failure;
}
