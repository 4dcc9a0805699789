import { parseArgs } from 'node:util';
import { CorebankApiError, type CorebankClient, type Schemas, unwrap } from '../client';
import { onePositional, parsed, positiveInteger, UsageError } from './args';
import { connect } from './connection';
import { fields, print, printJson, table } from './output';

/** Transfers for ops: the Stuck list, one transfer in detail, and the manual interventions. */

// The OpenAPI document marks every named schema that an envelope's `value` refers to as nullable
// (`type: ["object", "null"]`); a successful answer always has one.
type Transfer = NonNullable<Schemas['Transfer']>;
type TransferDetails = NonNullable<Schemas['TransferDetails']>;

const json = { type: 'boolean', default: false } as const;
const note = { type: 'string' } as const;

export const TRANSFER_USAGE = {
  stuck: `corebank stuck [--client <clientId>] [--limit <n>] [--json]
  Outgoing transfers in status Stuck, newest first. Read by status from the API's transfer list
  (GET /internal/Transfers/outgoing?status=Stuck); the API has no route over Temporal visibility
  (in the Temporal UI: TransferStatus = "Stuck"). --limit defaults to 500.`,
  show: `corebank show <transferId> [--direction outgoing|incoming|fx] [--json]
  The transfer with its workflow id, the workflow's history summary and every ops intervention.
  Without --direction it is looked up as outgoing, then incoming, then fx.`,
  continue: `corebank continue <transferId> [--note <why>] [--json]
  Resumes a Stuck outgoing transfer: the provider is tried again (ops token).`,
  execute: `corebank execute <transferId> --provider-reference <ref> [--note <why>] [--json]
  Completes a Stuck outgoing transfer as settled outside the system (ops token).`,
  assign: `corebank assign <incomingId> --account <accountId> [--note <why>] [--json]
  Books an Unrecognized incoming transfer from suspense to the account (ops token).`,
  return: `corebank return <incomingId> --note <why> [--json]
  Sends an Unrecognized incoming transfer back to the sender; the note is the API's \`reason\` (ops token).`,
};

const byId = (transferId: string) => ({ params: { path: { transferId } } });

export async function stuckCommand(argv: string[]): Promise<number> {
  const { values } = parsed(() =>
    parseArgs({ args: argv, options: { client: { type: 'string' }, limit: { type: 'string', default: '500' }, json }, strict: true }),
  );
  const limit = positiveInteger(values.limit, '--limit');
  const api = await connect();
  const items: Transfer[] = [];
  let cursor: string | undefined;
  do {
    const query = { status: 'Stuck' as const, clientId: values.client, limit: Math.min(500, limit - items.length), cursor };
    const page = await unwrap(api.GET('/internal/Transfers/outgoing', { params: { query } }));
    items.push(...page.items.filter((t): t is Transfer => t !== null));
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < limit);

  if (values.json) {
    printJson(items);
    return 0;
  }
  print(`${items.length} Stuck outgoing transfer${items.length === 1 ? '' : 's'} (by status from the API's transfer list)`);
  if (items.length > 0) {
    const rows = items.map((t) => [t.id, `${t.amount} ${t.currency}`, t.type, t.updatedAt, t.clientId ?? '-', t.reference ?? '']);
    print(table(['id', 'amount', 'type', 'stuck since', 'client', 'reference'], rows));
  }
  return 0;
}

const DIRECTIONS = ['outgoing', 'incoming', 'fx'] as const;
type Direction = (typeof DIRECTIONS)[number];

const details: Record<Direction, (api: CorebankClient, id: string) => Promise<TransferDetails>> = {
  outgoing: (api, id) => unwrap(api.GET('/internal/Transfers/outgoing/{transferId}', byId(id))),
  incoming: (api, id) => unwrap(api.GET('/internal/Transfers/incoming/{transferId}', byId(id))),
  fx: (api, id) => unwrap(api.GET('/internal/Transfers/fx/{transferId}', byId(id))),
};

export async function showCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parsed(() =>
    parseArgs({ args: argv, options: { direction: { type: 'string' }, json }, allowPositionals: true, strict: true }),
  );
  const id = onePositional(positionals, 'transferId');
  const direction = values.direction as Direction | undefined;
  if (direction !== undefined && !DIRECTIONS.includes(direction))
    throw new UsageError(`--direction must be one of ${DIRECTIONS.join(', ')}`);
  const api = await connect();
  // The API has a details route per direction and none by id alone: a 404 moves on to the next.
  let transfer: TransferDetails | undefined;
  let notFound: unknown;
  for (const d of direction ? [direction] : DIRECTIONS) {
    try {
      transfer = await details[d](api, id);
      break;
    } catch (error) {
      if (!(error instanceof CorebankApiError && error.status === 404)) throw error;
      notFound = error;
    }
  }
  if (!transfer) throw notFound;

  if (values.json) {
    printJson(transfer);
    return 0;
  }
  print(`${transfer.direction} transfer ${transfer.id}: ${transfer.status}`);
  const history = transfer.history;
  print(
    describe(transfer, [
      ['workflow', transfer.workflowId],
      ['history', history ? `${history.status}, ${history.historyLength} events` : 'none (the workflow is not in Temporal)'],
    ]),
  );
  print(`audit (${transfer.audit.length}):`);
  if (transfer.audit.length > 0) {
    print(
      table(
        ['  when', 'action', 'actor', 'note'],
        transfer.audit.map((a) => [`  ${a.createdAt}`, a.action, a.actor, a.note ?? '']),
      ),
    );
  } else print('  no ops intervention');
  return 0;
}

function describe(t: Transfer, more: [string, string][] = []): string {
  const party = (p: Record<string, unknown> | null) =>
    p ? [p.name, p.iban ?? p.accountNumber, p.bic].filter((v) => typeof v === 'string' && v).join(' ') : null;
  return fields([
    ['type', t.type],
    ['amount', `${t.amount} ${t.currency} (fee ${t.fee})`],
    [
      'fx',
      t.direction === 'fx' && t.sellAmount && t.buyAmount
        ? `${t.sellAmount} ${t.sellCurrency} -> ${t.buyAmount} ${t.buyCurrency} at ${t.rate}`
        : null,
    ],
    ['client', t.clientId],
    ['account', t.accountId],
    ['recipient', party(t.recipient)],
    ['sender', party(t.sender)],
    ['reference', t.reference],
    ['provider ref', t.providerReference],
    ['failure', t.failureReason],
    ['related', t.relatedTransferId],
    ['created', t.createdAt],
    ['updated', t.updatedAt],
    ...more,
  ]);
}

/** Prints the transfer an intervention answered with. */
function printOutcome(action: string, transfer: Transfer, asJson: boolean): number {
  if (asJson) printJson(transfer);
  else {
    print(`${action} ${transfer.direction} transfer ${transfer.id}: now ${transfer.status}`);
    print(describe(transfer));
  }
  return 0;
}

export async function continueCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parsed(() => parseArgs({ args: argv, options: { note, json }, allowPositionals: true, strict: true }));
  const id = onePositional(positionals, 'transferId');
  const api = await connect();
  const transfer = await unwrap(
    api.POST('/internal/Transfers/outgoing/{transferId}/continue', { ...byId(id), body: values.note ? { note: values.note } : {} }),
  );
  return printOutcome('continued', transfer, values.json);
}

export async function executeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parsed(() =>
    parseArgs({ args: argv, options: { 'provider-reference': { type: 'string' }, note, json }, allowPositionals: true, strict: true }),
  );
  const id = onePositional(positionals, 'transferId');
  const providerReference = values['provider-reference'];
  if (!providerReference) throw new UsageError('--provider-reference <ref> is required: the API records where the money went');
  const api = await connect();
  const transfer = await unwrap(
    api.POST('/internal/Transfers/outgoing/{transferId}/execute', { ...byId(id), body: { providerReference, note: values.note } }),
  );
  return printOutcome('executed', transfer, values.json);
}

export async function assignCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parsed(() =>
    parseArgs({ args: argv, options: { account: { type: 'string' }, note, json }, allowPositionals: true, strict: true }),
  );
  const id = onePositional(positionals, 'incomingId');
  if (!values.account) throw new UsageError('--account <accountId> is required');
  const api = await connect();
  const transfer = await unwrap(
    api.POST('/internal/Transfers/incoming/{transferId}/assign', { ...byId(id), body: { accountId: values.account, note: values.note } }),
  );
  return printOutcome('assigned', transfer, values.json);
}

export async function returnCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parsed(() =>
    parseArgs({ args: argv, options: { note, reason: { type: 'string' }, json }, allowPositionals: true, strict: true }),
  );
  const id = onePositional(positionals, 'incomingId');
  const reason = values.note ?? values.reason;
  if (!reason) throw new UsageError('--note <why> is required: the sender and the audit get it as the reason');
  const api = await connect();
  const transfer = await unwrap(api.POST('/internal/Transfers/incoming/{transferId}/return', { ...byId(id), body: { reason } }));
  return printOutcome('returned', transfer, values.json);
}
