import { NASTY_INTEGERS, NASTY_TEXT, nastyCursors } from './inputs';
import { SYNTHETIC_TAG } from './openapi';
import type { Seed } from './seed';
import { type TomlValue, tomlTable, tomlValue } from './toml';

/** Every request must be answered within this; a slower one (a poisoned workflow) fails the run. */
export const RESPONSE_TIME_LIMIT_S = 5;

/**
 * The checks of every run, enabled here rather than with --checks: a check named on the command
 * line would win over the per-operation settings below. positive_data_acceptance and
 * negative_data_rejection hold the document to what the server does: a request the schema allows
 * must not get a 400 (an operation's documented business answers are allowed), one it forbids
 * must get a 4xx.
 */
export const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'positive_data_acceptance',
  'negative_data_rejection',
] as const;

function hasControlCharacter(text: string): boolean {
  return [...text].some((ch) => {
    const code = ch.codePointAt(0) as number;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });
}

export interface ConfigInput {
  seed: Seed;
  /** `a.b[*].c` paths of string fields of request bodies (openapi.ts bodyStringFields). */
  bodyTextFields: string[];
  /** `query.x` / `path.x` of string parameters that are not enums (openapi.ts parameterStringFields). */
  parameterTextFields: string[];
  stateful: { maxSteps: number };
  /** Per operation label, the documented business 4xx statuses (openapi.ts businessStatuses). */
  businessStatuses: Record<string, number[]>;
}

/**
 * Schemathesis's own default for positive_data_acceptance: a valid request may be answered 2xx,
 * 3xx, 401/403 (the run's token), 404 (an id that does not exist), 409, 429 or 5xx (which
 * not_a_server_error fails on its own). Each operation adds its documented business statuses.
 */
const POSITIVE_BASE = ['2xx', '3xx', '401', '403', '404', '409', '429', '5xx'];

/**
 * schemathesis.toml for every run of a session (the CLI adds token, filters, phases, budget).
 * Strings may hold NUL and any code point (allow-x00, utf-8), and dictionaries put the values of
 * inputs.ts and the seeded ids into parameters and body fields with a fixed probability.
 */
export function schemathesisConfig({ seed, bodyTextFields, parameterTextFields, stateful, businessStatuses }: ConfigInput): string {
  const dictionaries: Record<string, TomlValue[]> = {
    // Entries with control characters twice: they are the class that took the API down.
    text: [...NASTY_TEXT, ...NASTY_TEXT.filter(hasControlCharacter)],
    integers: NASTY_INTEGERS,
    cursors: nastyCursors(seed.cursors),
    accounts: [...seed.accountIds, ...seed.accountNumbers, ...seed.ibans],
    accountIds: seed.accountIds,
    clients: [seed.clientId],
    recipients: seed.recipientIds,
    transfers: seed.transferIds,
    confirmations: seed.confirmationIds,
    payments: seed.paymentIds,
    transactions: seed.transactionIds,
    goodAmounts: ['0.01', '1.00', '2.50', '10'],
    eur: ['EUR'],
    countries: ['DE', 'FR', 'US'],
    goodIbans: ['DE89370400440532013000', 'FR1420041010050500013M02606', ...seed.ibans],
    amounts: ['0.01', '1.00', '1', '0', '0.00', '-1.00', '1.001', '1000000.01', '99999999999999999999.99', '1e3', ' 1.00', '1,00'],
    currencies: ['EUR', 'USD', 'GBP', 'JPY', 'BHD', 'XXX', 'eur', 'EURO'],
  };
  const used = Object.fromEntries(Object.entries(dictionaries).filter(([, values]) => values.length > 0));

  // Parameter-specific bindings (these) win over the type-wide one (integers, below).
  const parameters: Record<string, TomlValue> = {};
  const bind = (key: string, dictionary: string, probability: number) => {
    if (used[dictionary]) parameters[key] = { dictionary, probability };
  };
  for (const field of bodyTextFields) bind(`body.${field}`, 'text', 0.25);
  for (const field of ['accountId', 'debitAccountId', 'creditAccountId']) {
    bind(field, 'accountIds', 0.5);
    bind(`body.${field}`, 'accountIds', 0.5);
  }
  bind('body.accountIds[*]', 'accountIds', 0.5);
  bind('body.accountNumbers[*]', 'accounts', 0.5);
  bind('body.receiverAccountNumber', 'accounts', 0.3);
  bind('body.receiverIban', 'accounts', 0.3);
  bind('clientId', 'clients', 0.5);
  bind('body.clientId', 'clients', 0.5);
  bind('recipientId', 'recipients', 0.5);
  bind('body.recipientId', 'recipients', 0.5);
  bind('transferId', 'transfers', 0.5);
  bind('confirmationId', 'confirmations', 0.5);
  bind('paymentId', 'payments', 0.5);
  bind('transactionId', 'transactions', 0.5);
  bind('query.cursor', 'cursors', 0.6);
  // No dictionary for Idempotency-Key: a binding forces the header into every case, and the
  // examples phase always takes the first entry, so every write after the first would be a 409
  // "key reused". Schemathesis generates keys from the header's schema (boundaries included in
  // the coverage phase), and its small values ("0") repeat often enough to test reuse.
  bind('body.amount', 'amounts', 0.3);
  bind('body.currency', 'currencies', 0.3);
  bind('currency', 'currencies', 0.3);
  // Text for the other string parameters, unless an id dictionary above already covers the name.
  for (const field of parameterTextFields) {
    const name = field.slice(field.indexOf('.') + 1);
    if (!(field in parameters) && !(name in parameters)) bind(field, 'text', 0.2);
  }

  // One [[operations]] entry per operation that needs one (Schemathesis merges every entry that
  // matches an operation, but a single entry keeps the file readable):
  // - the operations that create what the stateful phase follows (transfers, payments, ...) get
  //   well-formed amounts, currencies and ids more often, so more of them succeed and their links
  //   are walked; their other fields are fuzzed as everywhere else;
  // - positive_data_acceptance takes the operation's documented business answers (422 a rule,
  //   404 an unknown id, 409, 413/415 an upload) as answers to valid input: the schema cannot
  //   express them. A 400 to a request the schema allows is always a mismatch.
  const operations = new Map<string, Record<string, TomlValue>>();
  const entry = (label: string) => {
    let found = operations.get(label);
    if (!found) {
      found = {};
      operations.set(label, found);
    }
    return found;
  };
  const producer = (label: string, bindings: Record<string, [string, number]>) => {
    const entries: Record<string, TomlValue> = {};
    for (const [key, [dictionary, probability]] of Object.entries(bindings)) {
      if (used[dictionary]) entries[key] = { dictionary, probability };
    }
    entry(label).parameters = entries;
  };
  const money = (amount = 0.7, currency = 0.7): Record<string, [string, number]> => ({
    'body.amount': ['goodAmounts', amount],
    'body.currency': ['eur', currency],
  });
  producer('POST /Transfers/outgoing', {
    ...money(0.85, 0.85),
    'body.accountId': ['accountIds', 0.85],
    'body.recipientId': ['recipients', 0.85],
  });
  producer('POST /internal/Payments', {
    ...money(),
    'body.debitAccountId': ['accountIds', 0.8],
    'body.creditAccountId': ['accountIds', 0.8],
  });
  producer('POST /internal/Payments/draft', {
    ...money(),
    'body.debitAccountId': ['accountIds', 0.8],
    'body.creditAccountId': ['accountIds', 0.8],
  });
  producer('POST /internal/IncomingRequests', { ...money(), 'body.receiverIban': ['goodIbans', 0.6] });
  producer('POST /v2/internal/Accounts', { 'body.clientId': ['clients', 0.7], 'body.currency': ['eur', 0.6] });
  producer('POST /internal/Clients', { 'body.country': ['countries', 0.7] });
  producer('POST /Recipients', { 'body.country': ['countries', 0.7], 'body.currency': ['eur', 0.7], 'body.iban': ['goodIbans', 0.6] });
  // A payment started with an ops token needs a note (400 without): a rule on the caller's role,
  // which the document says in words but no schema can (the same body is valid with a system
  // token). The fuzz runs with either token, so for these two a 400 is an answer too.
  const ROLE_RULES: Record<string, number[]> = { 'POST /internal/Payments': [400], 'POST /internal/Payments/draft': [400] };
  for (const label of new Set([...Object.keys(businessStatuses), ...Object.keys(ROLE_RULES)])) {
    const statuses = [...(businessStatuses[label] ?? []), ...(ROLE_RULES[label] ?? [])];
    const expected = [...new Set([...POSITIVE_BASE, ...statuses.map(String)])];
    entry(label).checks = { positive_data_acceptance: { 'expected-statuses': expected } };
  }
  // The routes the document leaves out (openapi.ts) promise nothing: "any status, never a 5xx".
  // Their required Idempotency-Key is there to be sent with every method, not to be refused.
  const undocumented = `[[operations]]\ninclude-tag = ${tomlValue(SYNTHETIC_TAG)}\nchecks = ${tomlValue({
    positive_data_acceptance: { enabled: false },
    negative_data_rejection: { enabled: false },
  })}\n`;
  // include-name matches the operation's label, "METHOD /path", whatever its operationId.
  const operationTables = [...operations].map(
    ([label, settings]) =>
      `[[operations]]\ninclude-name = ${tomlValue(label)}\n${Object.entries(settings)
        .map(([key, value]) => `${key} = ${tomlValue(value)}\n`)
        .join('')}`,
  );

  const sections = [
    '# Generated by test/fuzz/config.ts for one `npm run test:fuzz` session; not a source file.',
    `seed = 42`,
    `workers = 1`,
    '',
    tomlTable('cache', { enabled: false }),
    // Only the checks listed, each switched on by name (every other one is off).
    tomlTable('checks', { enabled: false }),
    ...CHECKS.map((check) => tomlTable(`checks.${check}`, { enabled: true })),
    // No example database: a run depends on the seed alone, not on what earlier runs stored
    // (and nothing is written to .hypothesis/ in the repo).
    tomlTable('generation', { 'allow-x00': true, codec: 'utf-8', database: 'none' }),
    tomlTable('generation.dictionaries', { integer: { dictionary: 'integers', probability: 0.2 } }),
    tomlTable('phases.stateful', { 'max-steps': stateful.maxSteps }),
    // Scenarios chain valid requests (create -> confirm / cancel -> get); invalid input is what
    // the other phases are for, and an invalid first step would end a scenario before its links.
    tomlTable('phases.stateful.generation', { mode: 'positive' }),
    // Links from Location headers, and the explicit ones of openapi.ts (create -> act -> get). Not
    // 'dependency-analysis': it links every nullable id field of an answer (a transaction's
    // transferId: null, say) to the path parameter of that name, and then sends the null as "None"
    // in the path, counting the 400 that follows as a schema-valid request refused.
    tomlTable('phases.stateful.inference', { algorithms: ['location-headers'] }),
    ...Object.entries(used).map(([name, values]) => tomlTable(`dictionaries.${name}`, { values })),
    tomlTable('parameters', parameters),
    ...operationTables,
    undocumented,
  ];
  return sections.join('\n');
}
