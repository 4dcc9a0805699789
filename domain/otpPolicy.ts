import { DomainError, ErrorCode } from './errors';

/**
 * The one policy of step-up codes, for transfer confirmations (and FX) and for account operations
 * alike (docs/api.md): how long a code lives, how many wrong tries one code allows, how often a new code
 * may be sent, and how many wrong codes a client may enter a UTC day across all its codes. The
 * stores and use cases ask this module; none of them counts on its own terms.
 */
export interface OtpPolicy {
  /** HMAC key for stored codes. */
  secret: string;
  ttlMs: number;
  /** Wrong codes allowed per code. */
  maxAttempts: number;
  /** Transfer codes: at most this many resends of a code. */
  maxResends: number;
  /** Any code: a new one at the earliest this long after the last one of the same purpose. */
  resendIntervalMs: number;
  /** Account codes: at most this many per account and operation within accountCodeWindowMs (default 3). */
  accountCodesPerWindow?: number;
  accountCodeWindowMs?: number;
  /** Wrong codes a client may enter per UTC day across all its codes; past it every check is 429 (default 20). */
  wrongCodesPerDay?: number;
}

export const DEFAULT_OTP_LIMITS = { accountCodesPerWindow: 3, accountCodeWindowMs: 10 * 60_000, wrongCodesPerDay: 20 } as const;

const DAY_MS = 24 * 3600 * 1000;

/** The policy's limits with their defaults filled in. */
export const limitsOf = (policy: OtpPolicy) => ({
  accountCodesPerWindow: policy.accountCodesPerWindow ?? DEFAULT_OTP_LIMITS.accountCodesPerWindow,
  accountCodeWindowMs: policy.accountCodeWindowMs ?? DEFAULT_OTP_LIMITS.accountCodeWindowMs,
  wrongCodesPerDay: policy.wrongCodesPerDay ?? DEFAULT_OTP_LIMITS.wrongCodesPerDay,
});

/** At least one second: a Retry-After of 0 invites a retry loop. */
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

const rateLimited = (message: string, waitMs: number, extra: Record<string, string | number> = {}) =>
  new DomainError(ErrorCode.RATE_LIMITED, message, { retryAfterSeconds: seconds(waitMs), ...extra });

/** Spacing between two codes of one purpose (a transfer's resends, an account operation's codes). */
export function spacingRefusal(policy: OtpPolicy, lastSentAt: Date, now: Date): DomainError | undefined {
  const waitMs = lastSentAt.getTime() + policy.resendIntervalMs - now.getTime();
  return waitMs > 0 ? rateLimited(`a new code can be sent ${policy.resendIntervalMs / 1000} s after the last one`, waitMs) : undefined;
}

/**
 * Account codes (send-otp): at most accountCodesPerWindow per account and operation in the
 * window, spaced like resends. `sentAt` are the codes already sent for that account and
 * operation within the window, any order.
 */
export function accountCodeRefusal(policy: OtpPolicy, sentAt: readonly Date[], now: Date): DomainError | undefined {
  const { accountCodesPerWindow, accountCodeWindowMs } = limitsOf(policy);
  const recent = sentAt.filter((at) => at.getTime() > now.getTime() - accountCodeWindowMs).sort((a, b) => a.getTime() - b.getTime());
  if (recent.length >= accountCodesPerWindow) {
    const freesAt = (recent[recent.length - accountCodesPerWindow] as Date).getTime() + accountCodeWindowMs;
    return rateLimited(
      `at most ${accountCodesPerWindow} codes per account and operation in ${accountCodeWindowMs / 60_000} minutes`,
      freesAt - now.getTime(),
    );
  }
  const last = recent[recent.length - 1];
  return last ? spacingRefusal(policy, last, now) : undefined;
}

/** What the rules need of a stored code. */
export interface CodeState {
  status: 'pending' | 'verified';
  expiresAt: Date;
  /** Wrong tries left on the current code. */
  attemptsLeft: number;
  /** New codes sent after the first. */
  resends: number;
  lastSentAt: Date;
}

/** No attempts left on the current code and no resend left: the confirmation is locked for good. */
export const isLockedForGood = (policy: OtpPolicy, c: Pick<CodeState, 'attemptsLeft' | 'resends'>) =>
  c.attemptsLeft <= 0 && c.resends >= policy.maxResends;

/** The refusal of a code whose attempts are used up: for good when no resend is left either. */
function attemptsExhausted(policy: OtpPolicy, c: Pick<CodeState, 'attemptsLeft' | 'resends'>): DomainError {
  return isLockedForGood(policy, c)
    ? new DomainError(ErrorCode.OTP_ATTEMPTS_EXCEEDED, 'too many wrong codes: the confirmation is locked for good', { locked: true })
    : new DomainError(ErrorCode.OTP_ATTEMPTS_EXCEEDED, 'too many wrong codes; ask for a new one', { locked: false });
}

/**
 * Whether a new code may replace the current one (a transfer's resend): a confirmed code never; a
 * new send at most maxResends times and spaced by resendIntervalMs. `sameSend` is the same send
 * again (a retried activity): it re-issues the code without counting as another resend.
 */
export function resendRefusal(policy: OtpPolicy, c: CodeState, now: Date, sameSend: boolean): DomainError | undefined {
  if (c.status === 'verified')
    return new DomainError(ErrorCode.INVALID_STATE_TRANSITION, 'the code was already confirmed', { from: 'verified', action: 'resend' });
  if (sameSend) return undefined;
  if (c.resends >= policy.maxResends)
    return new DomainError(ErrorCode.OTP_ATTEMPTS_EXCEEDED, `no more codes: at most ${policy.maxResends} resends`, {
      locked: c.attemptsLeft <= 0,
    });
  return spacingRefusal(policy, c.lastSentAt, now);
}

/**
 * What checking a presented code does (the daily budget of wrong codes is checked before, by
 * wrongCodeBudgetRefusal):
 * - `verify`: the right code of a pending confirmation; it becomes verified;
 * - `accept`: the right code of a confirmation verified already (a retried check, not an attempt);
 * - `refuse`: expired, or no attempt left; nothing is counted;
 * - `wrong`: a wrong code; it counts against the client's daily budget and, when `usesAttempt`,
 *   costs an attempt of the code (not on a verified confirmation: a repeated confirm cannot be
 *   guessed past, but it has no attempts to lose).
 */
export type CodeCheck =
  | { kind: 'verify' }
  | { kind: 'accept' }
  | { kind: 'refuse'; failure: DomainError }
  | { kind: 'wrong'; failure: DomainError; usesAttempt: boolean };

export function checkCode(policy: OtpPolicy, c: CodeState, matches: boolean, now: Date): CodeCheck {
  if (c.status === 'verified')
    return matches
      ? { kind: 'accept' }
      : { kind: 'wrong', failure: new DomainError(ErrorCode.OTP_INVALID, 'the code is wrong'), usesAttempt: false };
  if (c.expiresAt.getTime() < now.getTime())
    return { kind: 'refuse', failure: new DomainError(ErrorCode.OTP_EXPIRED, 'the code has expired; ask for a new one') };
  if (c.attemptsLeft <= 0) return { kind: 'refuse', failure: attemptsExhausted(policy, c) };
  if (matches) return { kind: 'verify' };
  const after = { ...c, attemptsLeft: c.attemptsLeft - 1 };
  // The wrong code that uses the last attempt of the last code locks it for good at once.
  const failure = isLockedForGood(policy, after)
    ? attemptsExhausted(policy, after)
    : new DomainError(ErrorCode.OTP_INVALID, 'the code is wrong', { attemptsLeft: after.attemptsLeft });
  return { kind: 'wrong', failure, usesAttempt: true };
}

/** The UTC day a moment falls on, and when it ends. */
export function utcDay(now: Date): { day: string; endsAt: Date } {
  const start = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return { day: new Date(start).toISOString().slice(0, 10), endsAt: new Date(start + DAY_MS) };
}

/** Wrong codes a client may still enter today; the budget is spent at zero. */
export const wrongCodesLeft = (policy: OtpPolicy, wrongToday: number) => limitsOf(policy).wrongCodesPerDay - wrongToday;

/** Every code check of a client whose daily budget of wrong codes is spent: 429 until the UTC day ends. */
export function wrongCodeBudgetRefusal(policy: OtpPolicy, wrongToday: number, now: Date): DomainError | undefined {
  if (wrongCodesLeft(policy, wrongToday) > 0) return undefined;
  const { endsAt } = utcDay(now);
  return rateLimited(
    `too many wrong codes today (${limitsOf(policy).wrongCodesPerDay}): codes can be checked again after ${endsAt.toISOString()}`,
    endsAt.getTime() - now.getTime(),
    { until: endsAt.toISOString() },
  );
}

/** What the client is told when its budget is spent: someone may be guessing its codes. */
export function wrongCodeBudgetNotice(policy: OtpPolicy, now: Date): { subject: string; body: string } {
  const { endsAt } = utcDay(now);
  return {
    subject: 'Codes blocked for today',
    body:
      `${limitsOf(policy).wrongCodesPerDay} wrong confirmation codes were entered for your account today. ` +
      `Until ${endsAt.toISOString()} no code can be confirmed. If this was not you, contact the bank.`,
  };
}

/**
 * A code as a caller presents it for checking: the code itself, or its keyed hash (HMAC with the
 * OTP secret, as stored). Transfer confirmations travel through a workflow as the hash, so no
 * one-time code is ever written into a workflow's history (histories recorded before carry `code`).
 */
export type PresentedCode = { code: string } | { codeHash: string };
