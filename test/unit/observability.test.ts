import { describe, expect, it } from 'vitest';
import { isTemporalLineWorthShowing } from '../../dev/temporalServer';
import { describeStatement } from '../../observability/postgres';
import { isSaneRequestId, requestIdFrom } from '../../observability/requestContext';

describe('request ids', () => {
  it('keeps a sane caller id and replaces anything else with a UUID', () => {
    expect(requestIdFrom('abc-123')).toBe('abc-123');
    expect(requestIdFrom('  trace:01/a+b=c@host  ')).toBe('trace:01/a+b=c@host');
    for (const odd of [undefined, null, '', ' ', 'a b', 'x'.repeat(129), 'é', '-x', 'a\nb', '<x>']) {
      const id = requestIdFrom(odd);
      expect(id, String(odd)).toMatch(/^[0-9a-f-]{36}$/);
      expect(isSaneRequestId(id)).toBe(true);
    }
  });
});

describe('SQL span names', () => {
  it('names a statement by its first keyword and the table it names first', () => {
    expect(describeStatement('SELECT id FROM accounts WHERE id = $1')).toEqual({ operation: 'SELECT', table: 'accounts' });
    expect(describeStatement('\n  INSERT INTO journal_entries (id) VALUES ($1)')).toEqual({
      operation: 'INSERT',
      table: 'journal_entries',
    });
    expect(describeStatement('update "accounts" set x = 1')).toEqual({ operation: 'UPDATE', table: 'accounts' });
    expect(describeStatement('begin isolation level serializable')).toEqual({ operation: 'BEGIN' });
    expect(describeStatement('')).toEqual({ operation: 'SQL' });
  });
});

describe('the Temporal dev server lines npm start shows', () => {
  it('shows warnings and errors, and hides its banner, info lines and dial noise', () => {
    const shown = [
      'time=2026-11-25T23:01:14.770 level=WARN msg="history size exceeds warn limit" service=history',
      'time=2026-11-25T23:01:14.770 level=ERROR msg="persistence error" error="disk full"',
      '{"level":"error","msg":"Unable to start server"}',
      'Error: failed to listen on 127.0.0.1:7233: address already in use',
    ];
    const hidden = [
      'Temporal CLI 1.9.1 (Server 1.32.0, UI 2.54.1)',
      'Temporal Server:      localhost:7233',
      '',
      'time=2026-11-25T23:01:14.770 level=INFO msg="frontend started"',
      'time=2026-11-25T23:01:15.248 level=WARN msg="network dial error" service=client address=127.0.0.1:46853',
      'time=2026-11-25T23:01:14.935 level=WARN msg="Failed to poll for task." Error="connection error: desc = \\"transport: Error while dialing: dial tcp 127.0.0.1:17999: connect: connection refused\\""',
      'time=2026-11-25T23:01:14.782 level=WARN msg="Failed to poll for task." Error="closing transport due to: connection error: desc = \\"error reading from server: EOF\\", received prior goaway: code: NO_ERROR, debug data: \\"graceful_stop\\""',
    ];
    for (const line of shown) expect(isTemporalLineWorthShowing(line), line).toBe(true);
    for (const line of hidden) expect(isTemporalLineWorthShowing(line), line).toBe(false);
  });
});
