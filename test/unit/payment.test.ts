import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../../domain/errors';
import { type PaymentAction, type PaymentStatus, planTransition } from '../../domain/payment';

describe('payment state machine', () => {
  const table: [PaymentStatus, PaymentAction, 'apply' | 'unchanged' | 'invalid'][] = [
    ['Draft', 'pend', 'apply'],
    ['Draft', 'post', 'invalid'],
    ['Draft', 'cancel', 'apply'],
    ['Pending', 'pend', 'unchanged'],
    ['Pending', 'post', 'apply'],
    ['Pending', 'cancel', 'apply'],
    ['Posted', 'pend', 'invalid'],
    ['Posted', 'post', 'unchanged'],
    ['Posted', 'cancel', 'invalid'],
    ['Cancelled', 'pend', 'invalid'],
    ['Cancelled', 'post', 'invalid'],
    ['Cancelled', 'cancel', 'unchanged'],
  ];
  it.each(table)('%s + %s -> %s', (from, action, expected) => {
    if (expected === 'invalid') {
      try {
        planTransition(from, action);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe(ErrorCode.INVALID_STATE_TRANSITION);
        expect((error as DomainError).metadata).toEqual({ from, action });
      }
    } else {
      expect(planTransition(from, action)).toBe(expected);
    }
  });
});
