/**
 * What the OpenAPI document says about itself rather than about one route: where to send
 * requests, how to get a token, what each tag groups. Generators turn tags into API classes and
 * their descriptions into docstrings; Spectral and Redocly ask for all three.
 */

/** Relative, so the document holds wherever it is served (a generated client takes its base URL as a setting). */
// x-internal (OWASP API9, inventory): the API serves the bank's own systems and back office.
export const SERVERS = [
  { url: '/', description: 'The host that serves this document (locally `npm start`: http://127.0.0.1:3000)', 'x-internal': true },
];

export const BEARER_AUTH = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description:
    'A JWT in `Authorization: Bearer <token>`, with claims `sub`, `role` (client, system or ops) and `exp`. ' +
    'In production your identity provider issues it (checked against JWT_JWKS_URL, or HS256 with JWT_SECRET); ' +
    'locally `npm run token -- --role system` or `npm run token -- --role client --sub <clientId>` prints one ' +
    '(the ops CLI: `corebank token`). A client token acts for the client in `sub`; system and ops tokens act for the bank. ' +
    'The algorithm is fixed by the server (RFC8725, JSON Web Token Best Current Practices), never taken from the token; exp is required and bounded.',
} as const;

/** Every tag an operation uses, in the order the reference shows them. */
export const TAGS: { name: string; description: string }[] = [
  { name: 'Health', description: 'Liveness and readiness probes; no token needed' },
  {
    name: 'Clients',
    description: 'Clients of the bank: create, change, block; onboarding callback (system token); a client reads its own profile',
  },
  { name: 'Accounts (client)', description: "A client's own accounts: open, rename, reorder, close with a one-time code" },
  {
    name: 'Accounts',
    description: 'Ledger accounts for the bank (system token): create client and internal accounts, search, balances, recalculation',
  },
  { name: 'Transactions', description: 'Journal entries and account statements (JSON or CSV)' },
  { name: 'Payments', description: 'Payments between ledger accounts, one-step or Draft -> Pending -> Posted, each a durable workflow' },
  { name: 'Recipients', description: "A client's address book of transfer recipients" },
  { name: 'Recipients (system)', description: "Every client's recipients, for the bank" },
  {
    name: 'Transfers',
    description: "A client's transfers: outgoing (confirmed with a one-time code), incoming, and FX exchanges between own accounts",
  },
  {
    name: 'Transfers (system)',
    description: 'Every transfer with its workflow and audit, and the provider callback for incoming payments',
  },
  { name: 'Transfers (ops)', description: 'Interventions on a transfer stuck or unrecognized (ops token)' },
  { name: 'Documents', description: "Documents attached to a client's own transfer" },
  { name: 'Documents (system)', description: 'Documents of any transfer, for the bank' },
  { name: 'ClientProfile', description: "Documents of a client's profile (KYC), for the bank" },
  { name: 'Confirmations', description: 'One-time codes: their status, and sending a new one' },
  { name: 'Notifications', description: 'Messages the local notifier sent (development and tests only)' },
  { name: 'Holds (ops)', description: 'Holds left behind by a finished payment or transfer, and their release (ops token)' },
  {
    name: 'Audit',
    description: 'Who did what: every action a system or ops token took that moved money or changed a status, a limit or a block',
  },
  { name: 'Ledger operations', description: 'End-of-day balances and the consistency checks of the ledger' },
  { name: 'Reports', description: 'Reconciliation with the provider, the treasury summary, supported currencies' },
  { name: 'Events', description: 'The event log: every change, in commit order, with a stable cursor (system and ops tokens)' },
  {
    name: 'Webhook endpoints',
    description: 'Where events are delivered, signed by the Standard Webhooks specification (system and ops tokens)',
  },
  {
    name: 'Webhook events',
    description: 'What corebank POSTs to an endpoint, one entry per event type (verify the webhook-signature header)',
  },
];
