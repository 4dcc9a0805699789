import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { checkAnsweredCodes } from '../../api/answeredCodes';
import { errorJson, statusOf } from '../../api/errors';
import { documentedCodes, OPERATION_ERRORS } from '../../api/operationErrors';
import { OPERATION_IDS } from '../../api/operationIds';
import { ErrorCode } from '../../domain/errors';

const write = { write: true, takesCurrency: true };
const read = { write: false, takesCurrency: false };

describe('error codes per operation', () => {
  it('names only operations that exist', () => {
    const ids = new Set(Object.values(OPERATION_IDS));
    expect(Object.keys(OPERATION_ERRORS).filter((id) => !ids.has(id))).toEqual([]);
  });

  it("lists an operation's own codes under the status the server answers them with, and no other operation's", () => {
    expect(documentedCodes('createPayment', 422, write)).toEqual(
      expect.arrayContaining([
        ErrorCode.VALIDATION_ERROR,
        ErrorCode.CURRENCY_NOT_SUPPORTED,
        ErrorCode.INSUFFICIENT_FUNDS,
        ErrorCode.SAME_ACCOUNT,
      ]),
    );
    expect(documentedCodes('createPayment', 422, write)).not.toContain(ErrorCode.OTP_INVALID);
    expect(documentedCodes('getPayment', 422, read)).toEqual([ErrorCode.VALIDATION_ERROR]);
    expect(documentedCodes('createClient', 409, write)).toEqual([
      ErrorCode.IDEMPOTENCY_KEY_REUSED,
      ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS,
      ErrorCode.ALREADY_EXISTS,
    ]);
    expect(documentedCodes('getPayment', 404, read)).toEqual([ErrorCode.NOT_FOUND]);
    for (const [id, codes] of Object.entries(OPERATION_ERRORS)) {
      for (const code of codes) {
        const status = code === ErrorCode.VALIDATION_ERROR ? 422 : statusOf(code);
        expect(documentedCodes(id, status, write), `${id} ${code}`).toContain(code);
      }
    }
  });
});

describe('every error answer is checked against the document', () => {
  function app(documented: Record<string, Record<number, string[]>>) {
    const reported: string[] = [];
    const codes = new Map(
      Object.entries(documented).map(([op, byStatus]) => [op, new Map(Object.entries(byStatus).map(([s, c]) => [Number(s), new Set(c)]))]),
    );
    const hono = new Hono();
    hono.use(
      '*',
      checkAnsweredCodes(
        () => codes,
        (error) => reported.push(error.message),
      ),
    );
    hono.get('/Payments/type', (c) => errorJson(c, ErrorCode.CURRENCY_MISMATCH, 'x'));
    hono.get('/Payments/:paymentId', (c) => errorJson(c, ErrorCode.INSUFFICIENT_FUNDS, 'x'));
    hono.get('/undocumented', (c) => errorJson(c, ErrorCode.INSUFFICIENT_FUNDS, 'x'));
    return { hono, reported };
  }

  it('reports a code its operation does not list, by the route that answered', async () => {
    const { hono, reported } = app({
      'GET /Payments/{paymentId}': { 422: ['VALIDATION_ERROR'] },
      'GET /Payments/type': { 422: ['CURRENCY_MISMATCH'] },
    });
    expect((await hono.request('/Payments/p1')).status).toBe(422);
    // /Payments/type also matches /Payments/{paymentId}: the route that ran is the one checked.
    expect((await hono.request('/Payments/type')).status).toBe(422);
    expect(reported).toEqual([
      'GET /Payments/{paymentId} answered 422 INSUFFICIENT_FUNDS, which its OpenAPI description does not list (api/operationErrors.ts)',
    ]);
  });

  it('is silent for a listed code and for a path that is no documented operation', async () => {
    const { hono, reported } = app({ 'GET /Payments/{paymentId}': { 422: ['INSUFFICIENT_FUNDS'] } });
    await hono.request('/Payments/p1');
    await hono.request('/undocumented');
    expect(reported).toEqual([]);
  });
});
