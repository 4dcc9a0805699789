import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/errors';
import { type CodeState, checkCode, isLockedForGood, type OtpPolicy, resendRefusal } from '../../domain/otpPolicy';

const policy: OtpPolicy = { secret: 's', ttlMs: 60_000, maxAttempts: 3, maxResends: 2, resendIntervalMs: 30_000 };
const now = new Date('2026-01-01T12:00:00Z');
const pending = (over: Partial<CodeState> = {}): CodeState => ({
  status: 'pending',
  expiresAt: new Date(now.getTime() + 1000),
  attemptsLeft: 3,
  resends: 0,
  lastSentAt: new Date(now.getTime() - 60_000),
  ...over,
});

describe('checkCode (the rules of one code check)', () => {
  it('verifies the right code of a pending confirmation, and accepts it again once verified without an attempt', () => {
    expect(checkCode(policy, pending(), true, now)).toEqual({ kind: 'verify' });
    expect(checkCode(policy, pending({ status: 'verified' }), true, now)).toEqual({ kind: 'accept' });
  });

  it('a wrong code costs an attempt, except on a verified confirmation (still wrong, counted against the day)', () => {
    const wrong = checkCode(policy, pending(), false, now);
    expect(wrong).toMatchObject({
      kind: 'wrong',
      usesAttempt: true,
      failure: { code: ErrorCode.OTP_INVALID, metadata: { attemptsLeft: 2 } },
    });
    expect(checkCode(policy, pending({ status: 'verified' }), false, now)).toMatchObject({ kind: 'wrong', usesAttempt: false });
  });

  it('refuses an expired code and a code without attempts, counting nothing; the last attempt of the last code locks for good', () => {
    expect(checkCode(policy, pending({ expiresAt: new Date(now.getTime() - 1) }), true, now)).toMatchObject({
      kind: 'refuse',
      failure: { code: ErrorCode.OTP_EXPIRED },
    });
    expect(checkCode(policy, pending({ attemptsLeft: 0 }), true, now)).toMatchObject({
      kind: 'refuse',
      failure: { code: ErrorCode.OTP_ATTEMPTS_EXCEEDED, metadata: { locked: false } },
    });
    expect(checkCode(policy, pending({ attemptsLeft: 1, resends: 2 }), false, now)).toMatchObject({
      kind: 'wrong',
      failure: { code: ErrorCode.OTP_ATTEMPTS_EXCEEDED, metadata: { locked: true } },
    });
    expect(isLockedForGood(policy, { attemptsLeft: 0, resends: 2 })).toBe(true);
    expect(isLockedForGood(policy, { attemptsLeft: 0, resends: 1 })).toBe(false);
  });
});

describe('resendRefusal', () => {
  it('refuses a confirmed code, a resend past maxResends and one too soon; the same send again passes', () => {
    expect(resendRefusal(policy, pending({ status: 'verified' }), now, true)?.code).toBe(ErrorCode.INVALID_STATE_TRANSITION);
    expect(resendRefusal(policy, pending({ resends: 2 }), now, false)?.code).toBe(ErrorCode.OTP_ATTEMPTS_EXCEEDED);
    expect(resendRefusal(policy, pending({ lastSentAt: new Date(now.getTime() - 1000) }), now, false)?.code).toBe(ErrorCode.RATE_LIMITED);
    expect(resendRefusal(policy, pending({ resends: 2, lastSentAt: now }), now, true)).toBeUndefined();
    expect(resendRefusal(policy, pending(), now, false)).toBeUndefined();
  });
});
