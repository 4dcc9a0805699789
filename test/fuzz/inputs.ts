/**
 * Values the fuzzer mixes into generated ones (Schemathesis "dictionaries"). Schemathesis only
 * uses an entry where it fits the mode: in positive cases an entry must match the field's schema,
 * in negative cases it must not, so an entry with a control character reaches a field with the
 * "no control characters" pattern only as a negative case (the API must answer 400, in time), and
 * a field without such a pattern in positive cases too (the API must not answer 5xx).
 */

/** Text that has broken text handling before: NUL and other control characters above all. */
export const NASTY_TEXT: string[] = [
  '\u0000',
  'a\u0000b',
  'Zo\u0000e',
  '\u0000\u0000\u0000\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\r\n',
  'x\r\nSet-Cookie: injected=1',
  '\u000b\u000c',
  '\u001b[31mred\u001b[0m',
  '\u001f',
  '\u007f',
  '\u0080',
  '\u0085',
  '\u009f',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u200b',
  '\u202eevil',
  '\ufeff',
  '\ufffd',
  '\uffff',
  'e\u0301\u0301\u0301',
  '\u{1F4B6}',
  '\u{10FFFF}',
  "O'Brien",
  "'; DROP TABLE clients; --",
  '"',
  '\\',
  '%',
  '_',
  '%00',
  '%s%n%x',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text itself is the probe
  '${jndi:ldap://x}',
  '{{7*7}}',
  '../../etc/passwd',
  ' ',
  '   leading and trailing   ',
  'NULL',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '0',
  '-0',
  '-1',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  '9223372036854775807',
  '9223372036854775808',
  '99999999999999999999999999999999999999',
  '0.000000000000000000001',
  '1.005',
  '\uff11\uff10',
  '\u0661\u0662',
  'DE89370400440532013000\u0000',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '0192f0c4-8a3b-7c2e-9d4f-5a6b7c8d9e0f\u0000',
  '{0192f0c4-8a3b-7c2e-9d4f-5a6b7c8d9e0f}',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '2026-02-30T00:00:00Z',
  '2026-11-25T10:00:00.000Z\u0000',
  'EUR\u0000',
  'eur',
  'XXX',
  'x'.repeat(256),
  '\u0000'.repeat(300),
  '\u00e9'.repeat(1000),
];

/** Integers for limits and amounts given as numbers: edges of int32, int53, int64. */
export const NASTY_INTEGERS: number[] = [-2147483649, -1, 0, 1, 500, 501, 2147483647, 2147483648, 9007199254740991];

/**
 * Cursors: base64url of `s:<seq>` is the real format (domain/paging.ts); a fuzzer would never
 * guess it, so the edges are spelled out: past bigint, negative, empty, non-ASCII digits, NUL.
 */
export function nastyCursors(real: string[]): string[] {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
  // Past bigint first: Hypothesis draws early entries of a list more often.
  return [
    b64('s:9223372036854775808'),
    b64('s:18446744073709551616'),
    b64(`s:${'9'.repeat(40)}`),
    b64('s:9999999999999999999'),
    b64('s:9223372036854775807'),
    b64('s:-1'),
    b64('s:0'),
    b64('s:1'),
    b64('s:'),
    b64('s:1\u0000'),
    b64('s:\u0661'),
    b64('s:1e3'),
    b64('x:1'),
    b64('\u0000'),
    '',
    '=',
    '!!!',
    'czox',
    '\u0000',
    ...real,
  ];
}
