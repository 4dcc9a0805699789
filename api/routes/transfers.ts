import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DomainError, ErrorCode, NotFoundError } from '../../domain/errors';
import { derivedId, newId } from '../../domain/ids';
import { formatAmount, parseAmount } from '../../domain/money';
import { toPage, toPageRequest } from '../../domain/paging';
import { IncomingStatus, OutgoingStatus, type TransferDirection, TransferType } from '../../domain/transfer';
import { estimatedArrival, feeFor, transferTypeFor } from '../../domain/transferPricing';
import { getAccount } from '../../ledger/accounts';
import { getClient } from '../../store/clients';
import { getConfirmation } from '../../store/confirmations';
import { getRecipient } from '../../store/recipients';
import {
  auditOf,
  getTransfer,
  getTransferByConfirmation,
  listTransfers,
  type TransferFilter,
  type TransferRow,
} from '../../store/transfers';
import type { RecipientSnapshot } from '../../workflows/shared';
import type { AuthEnv } from '../auth';
import { requireRole } from '../auth';
import { success } from '../envelope';
import { IDEMPOTENCY_HEADER } from '../idempotency';
import { findLedgerAccount, ibanCountry, parseAccountReference } from '../recipientRules';
import { type AppDeps, jsonBody, newRouter, optionalBody, responses, security } from '../router';
import { AmountIn, AmountOut, Currency, IdempotencyHeader, PageQuery, pageOf, Text, Timestamp, TimestampIn, Uuid } from '../schemas';
import { createTransferCommands, transferWorkflowId } from '../transferCommands';
import { normalizeRecipient, RecipientInput } from './recipients';

const Status = z.enum([...new Set([...OutgoingStatus, ...IncomingStatus])] as [string, ...string[]]);

export const TransferSchema = z
  .object({
    id: Uuid,
    direction: z.enum(['outgoing', 'incoming', 'fx']),
    type: z.enum(TransferType),
    status: Status,
    clientId: Uuid.nullable(),
    accountId: Uuid.nullable(),
    recipientId: Uuid.nullable(),
    recipient: z.record(z.string(), z.unknown()).nullable(),
    sender: z.record(z.string(), z.unknown()).nullable(),
    amount: AmountOut,
    currency: z.string(),
    fee: AmountOut,
    reference: z.string().nullable(),
    providerReference: z.string().nullable(),
    confirmationId: Uuid.nullable(),
    failureReason: z.string().nullable(),
    relatedTransferId: Uuid.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Transfer');

const TransferDetailsSchema = TransferSchema.extend({
  workflowId: z.string(),
  audit: z.array(z.object({ action: z.string(), actor: z.string(), note: z.string().nullable(), createdAt: Timestamp })),
  history: z.object({ status: z.string(), historyLength: z.number().int() }).nullable(),
}).openapi('TransferDetails');

export const transferView = (t: TransferRow) => ({
  id: t.id,
  direction: t.direction,
  type: t.type,
  status: t.status,
  clientId: t.clientId,
  accountId: t.accountId,
  recipientId: t.recipientId,
  recipient: t.recipient,
  sender: t.sender,
  amount: formatAmount(t.amount, t.currency),
  currency: t.currency,
  fee: formatAmount(t.fee, t.currency),
  reference: t.reference,
  providerReference: t.providerReference,
  confirmationId: t.confirmationId,
  failureReason: t.failureReason,
  relatedTransferId: t.relatedTransferId,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

const OutgoingBody = z
  .object({
    accountId: Uuid,
    recipientId: Uuid.optional(),
    recipient: RecipientInput.optional(),
    amount: AmountIn,
    currency: Currency,
    reference: Text.optional(),
  })
  .refine((b) => (b.recipientId === undefined) !== (b.recipient === undefined), {
    message: 'give either recipientId or recipient',
    path: ['recipientId'],
  })
  .openapi('CreateOutgoingTransfer');

const IncomingBody = z
  .object({
    providerReference: z.string().min(1).max(100),
    amount: AmountIn,
    currency: Currency,
    senderName: Text.optional(),
    senderIban: z.string().max(42).optional(),
    receiverAccountNumber: z.string().max(34).optional(),
    receiverIban: z.string().max(42).optional(),
    reference: Text.optional(),
  })
  .refine((b) => b.receiverAccountNumber !== undefined || b.receiverIban !== undefined, {
    message: 'receiverAccountNumber or receiverIban is required',
    path: ['receiverAccountNumber'],
  })
  .openapi('IncomingRequest');

const ListQuery = {
  direction: z.enum(['outgoing', 'incoming', 'fx']).optional(),
  type: z.enum(TransferType).optional(),
  status: Status.optional(),
  accountId: Uuid.optional(),
  from: TimestampIn.optional(),
  to: TimestampIn.optional(),
  ...PageQuery,
};

const TransferParam = z.object({ transferId: Uuid });
const OpsNote = z.string().max(500).optional();

export function transferRoutes(deps: AppDeps) {
  const router = newRouter();
  const commands = createTransferCommands(deps);
  const clientOf = (c: Context<AuthEnv>) => c.get('caller').sub;

  /** A FrontOffice caller sees only its own client's transfers; anything else is 404. */
  async function ownTransfer(c: Context<AuthEnv>, transferId: string, direction?: TransferDirection): Promise<TransferRow> {
    const transfer = await getTransfer(deps.sql, transferId);
    const caller = c.get('caller');
    const visible =
      transfer && (caller.role !== 'client' || transfer.clientId === caller.sub) && (!direction || transfer.direction === direction);
    if (!visible) throw new NotFoundError('transfer', transferId);
    return transfer;
  }

  async function list(filter: TransferFilter, q: { limit?: number; cursor?: string; from?: string; to?: string }) {
    const page = toPageRequest(q.limit, q.cursor);
    const rows = await listTransfers(
      deps.sql,
      { ...filter, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined },
      page,
    );
    return toPage(rows, page.limit, transferView);
  }

  async function details(transfer: TransferRow) {
    const workflowId = transferWorkflowId(transfer.id);
    const history = await deps.temporal.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => ({ status: d.status.name, historyLength: d.historyLength }))
      .catch(() => null);
    const audit = (await auditOf(deps.sql, transfer.id)).map((a) => ({ ...a, createdAt: a.createdAt.toISOString() }));
    return { ...transferView(transfer), workflowId, audit, history };
  }

  // ---- FrontOffice -------------------------------------------------------------------------

  router.openapi(
    createRoute({
      method: 'get',
      path: '/Transfers/type',
      tags: ['Transfers'],
      summary: 'Which rail a transfer to this IBAN or account number takes, its fee and estimated arrival',
      security,
      request: { query: z.object({ recipientAccount: z.string().min(6).max(42), currency: Currency }) },
      responses: responses(
        200,
        z.object({ type: z.enum(['Internal', 'Sepa', 'Swift']), fee: AmountOut, estimatedArrival: Timestamp }).openapi('TransferType'),
        'Type, fee and estimated arrival',
      ),
    }),
    async (c) => {
      const { recipientAccount, currency } = c.req.valid('query');
      const ref = parseAccountReference(recipientAccount, 'recipientAccount');
      const internal = await findLedgerAccount(deps.sql, ref);
      const type = transferTypeFor({ isInternal: internal !== undefined, ibanCountry: ibanCountry(ref.iban) }, currency);
      return c.json(
        success({
          type,
          fee: formatAmount(feeFor(type, currency, deps.transferPolicy.fees), currency),
          estimatedArrival: estimatedArrival(type, new Date()).toISOString(),
        }),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/Transfers/outgoing',
      tags: ['Transfers'],
      summary: 'Create an outgoing transfer: amount + fee are held and a code is sent (PendingConfirmation)',
      security,
      request: { headers: IdempotencyHeader, ...jsonBody(OutgoingBody) },
      responses: responses(201, TransferSchema, 'The transfer, PendingConfirmation, with its confirmationId', [404, 409, 422, 503]),
    }),
    async (c) => {
      const body = c.req.valid('json');
      const clientId = clientOf(c);
      const amount = parseAmount(body.amount, body.currency);
      const account = await getAccount(deps.sql, body.accountId);
      if (!account || account.clientId !== clientId) throw new NotFoundError('account', body.accountId);
      const client = await getClient(deps.sql, clientId);
      if (client?.status !== 'active') throw new DomainError(ErrorCode.CLIENT_BLOCKED, 'the client may not make transfers');
      if (account.currency !== body.currency) {
        throw new DomainError(ErrorCode.CURRENCY_MISMATCH, `account ${account.id} is in ${account.currency}`, { field: 'currency' });
      }

      let recipientId: string | null = null;
      let recipient: RecipientSnapshot;
      if (body.recipientId !== undefined) {
        const stored = await getRecipient(deps.sql, clientId, body.recipientId);
        if (!stored) throw new NotFoundError('recipient', body.recipientId);
        recipientId = stored.id;
        recipient = { name: stored.name, iban: stored.iban, accountNumber: stored.accountNumber, bic: stored.bic, country: stored.country };
      } else {
        const given = normalizeRecipient(body.recipient as z.infer<typeof RecipientInput>, 'recipient.');
        recipient = { name: given.name, iban: given.iban, accountNumber: given.accountNumber, bic: given.bic, country: given.country };
      }
      const target = await findLedgerAccount(deps.sql, { iban: recipient.iban, accountNumber: recipient.accountNumber });
      if (target?.id === account.id) throw new DomainError(ErrorCode.SAME_ACCOUNT, 'the recipient is the paying account');
      if (target && target.currency !== body.currency) {
        throw new DomainError(ErrorCode.CURRENCY_MISMATCH, `the recipient account is in ${target.currency}`, { field: 'currency' });
      }
      const type = transferTypeFor({ isInternal: target !== undefined, ibanCountry: ibanCountry(recipient.iban) }, body.currency);
      const key = c.req.header(IDEMPOTENCY_HEADER);
      const transferId = key ? derivedId('transfer', 'client', clientId, key) : newId();
      const transfer = await commands.startOutgoing({
        transferId,
        clientId,
        accountId: account.id,
        recipientId,
        recipient,
        type,
        amountMinor: amount.toString(),
        feeMinor: feeFor(type, body.currency, deps.transferPolicy.fees).toString(),
        currency: body.currency,
        reference: body.reference ?? null,
        confirmationId: derivedId('confirmation', transferId),
        recipientAccountId: target?.id ?? null,
        recipientClientId: target?.clientId ?? null,
      });
      return c.json(success(transferView(transfer)), 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'put',
      path: '/Transfers/outgoing/{transferId}/confirm',
      tags: ['Transfers'],
      summary: 'Confirm with the one-time code: 200 Confirmed or later',
      security,
      request: {
        params: TransferParam,
        ...jsonBody(z.object({ code: z.string().regex(/^\d{6}$/, 'six digits') }).openapi('ConfirmTransfer')),
      },
      responses: responses(200, TransferSchema, 'The transfer', [404, 409, 422, 503]),
    }),
    async (c) => {
      const transfer = await ownTransfer(c, c.req.valid('param').transferId, 'outgoing');
      const { transfer: after } = await commands.act(transfer, { action: 'confirm', code: c.req.valid('json').code });
      return c.json(success(transferView(after)), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/Transfers/outgoing/{transferId}',
      tags: ['Transfers'],
      summary: 'Cancel before it is processed: the hold is released (200 Cancelled)',
      security,
      request: { params: TransferParam },
      responses: responses(200, TransferSchema, 'The cancelled transfer', [404, 409, 422, 503]),
    }),
    async (c) => {
      const transfer = await ownTransfer(c, c.req.valid('param').transferId, 'outgoing');
      const { transfer: after } = await commands.act(transfer, { action: 'cancel' });
      return c.json(success(transferView(after)), 200);
    },
  );

  for (const [path, direction] of [
    ['/Transfers/{transferId}', undefined],
    ['/Transfers/outgoing/{transferId}', 'outgoing'],
    ['/Transfers/incoming/{transferId}', 'incoming'],
  ] as const) {
    router.openapi(
      createRoute({
        method: 'get',
        path,
        tags: ['Transfers'],
        summary: direction ? `One ${direction} transfer of the caller` : 'One transfer of the caller',
        security,
        request: { params: TransferParam },
        responses: responses(200, TransferSchema, 'The transfer', [404]),
      }),
      async (c) => c.json(success(transferView(await ownTransfer(c, c.req.valid('param').transferId, direction))), 200),
    );
  }

  router.openapi(
    createRoute({
      method: 'get',
      path: '/Transfers',
      tags: ['Transfers'],
      summary: "The caller's transfers, newest first",
      security,
      request: { query: z.object(ListQuery) },
      responses: responses(200, pageOf(TransferSchema), 'A page of transfers'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(
        success(
          await list({ clientId: clientOf(c), direction: q.direction, type: q.type, status: q.status as never, accountId: q.accountId }, q),
        ),
        200,
      );
    },
  );

  const ConfirmationSchema = z
    .object({
      id: Uuid,
      status: z.enum(['pending', 'verified', 'expired', 'locked']),
      expiresAt: Timestamp,
      attemptsLeft: z.number().int(),
    })
    .openapi('Confirmation');

  async function ownConfirmation(c: Context<AuthEnv>, confirmationId: string) {
    const confirmation = await getConfirmation(deps.sql, confirmationId);
    if (!confirmation || confirmation.clientId !== clientOf(c)) throw new NotFoundError('confirmation', confirmationId);
    return confirmation;
  }

  router.openapi(
    createRoute({
      method: 'get',
      path: '/Confirmations/{confirmationId}',
      tags: ['Confirmations'],
      summary: 'Status of a one-time code',
      security,
      request: { params: z.object({ confirmationId: Uuid }) },
      responses: responses(200, ConfirmationSchema, 'The confirmation', [404]),
    }),
    async (c) => {
      const confirmation = await ownConfirmation(c, c.req.valid('param').confirmationId);
      const status: 'pending' | 'verified' | 'expired' | 'locked' =
        confirmation.status === 'verified'
          ? 'verified'
          : confirmation.expiresAt.getTime() < Date.now()
            ? 'expired'
            : confirmation.attemptsLeft <= 0
              ? 'locked'
              : 'pending';
      return c.json(
        success({ id: confirmation.id, status, expiresAt: confirmation.expiresAt.toISOString(), attemptsLeft: confirmation.attemptsLeft }),
        200,
      );
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/Confirmations/{confirmationId}/resend',
      tags: ['Confirmations'],
      summary: 'Send a new code; the old one is void and the attempts start again',
      security,
      request: { params: z.object({ confirmationId: Uuid }) },
      responses: responses(200, z.object({ confirmationId: Uuid, expiresAt: Timestamp }), 'When the new code expires', [404, 422, 503]),
    }),
    async (c) => {
      const confirmation = await ownConfirmation(c, c.req.valid('param').confirmationId);
      const transfer = await getTransferByConfirmation(deps.sql, confirmation.id);
      if (!transfer) throw new NotFoundError('confirmation', confirmation.id);
      const { expiresAt } = await commands.act(transfer, { action: 'resend' });
      return c.json(success({ confirmationId: confirmation.id, expiresAt: expiresAt ?? confirmation.expiresAt.toISOString() }), 200);
    },
  );

  // ---- System and ops ----------------------------------------------------------------------

  for (const [path, direction] of [
    ['/internal/Transfers', undefined],
    ['/internal/Transfers/outgoing', 'outgoing'],
    ['/internal/Transfers/incoming', 'incoming'],
  ] as const) {
    router.openapi(
      createRoute({
        method: 'get',
        path,
        tags: ['Transfers (system)'],
        summary: direction ? `All ${direction} transfers, newest first` : 'All transfers, newest first',
        security,
        request: { query: z.object({ ...ListQuery, clientId: Uuid.optional() }) },
        responses: responses(200, pageOf(TransferSchema), 'A page of transfers'),
      }),
      async (c) => {
        const q = c.req.valid('query');
        const filter = {
          clientId: q.clientId,
          direction: direction ?? q.direction,
          type: q.type,
          status: q.status as never,
          accountId: q.accountId,
        };
        return c.json(success(await list(filter, q)), 200);
      },
    );
  }

  for (const direction of ['outgoing', 'incoming'] as const) {
    router.openapi(
      createRoute({
        method: 'get',
        path: `/internal/Transfers/${direction}/{transferId}`,
        tags: ['Transfers (system)'],
        summary: `One ${direction} transfer with its workflow id, history summary and ops audit`,
        security,
        request: { params: TransferParam },
        responses: responses(200, TransferDetailsSchema, 'The transfer', [404]),
      }),
      async (c) => c.json(success(await details(await ownTransfer(c, c.req.valid('param').transferId, direction))), 200),
    );
  }

  router.openapi(
    createRoute({
      method: 'post',
      path: '/internal/IncomingRequests',
      tags: ['Transfers (system)'],
      summary: 'The provider reports an incoming payment; idempotent on providerReference (202)',
      security,
      request: jsonBody(IncomingBody),
      responses: responses(202, TransferSchema, 'Accepted: Completed (credited) or Unrecognized (in suspense)', [409, 422, 503]),
    }),
    async (c) => {
      const body = c.req.valid('json');
      const amount = parseAmount(body.amount, body.currency);
      const transferId = derivedId('incoming', body.providerReference);
      const existing = await getTransfer(deps.sql, transferId);
      if (existing && (existing.amount !== amount || existing.currency !== body.currency)) {
        throw new DomainError(
          ErrorCode.IDEMPOTENCY_KEY_REUSED,
          `providerReference ${body.providerReference} was reported with another amount`,
        );
      }
      const transfer =
        existing ??
        (await commands.receiveIncoming({
          transferId,
          providerReference: body.providerReference,
          amountMinor: amount.toString(),
          currency: body.currency,
          senderName: body.senderName ?? null,
          senderIban: body.senderIban ?? null,
          receiverAccountNumber: body.receiverAccountNumber ?? null,
          receiverIban: body.receiverIban?.replace(/\s+/g, '').toUpperCase() ?? null,
          reference: body.reference ?? null,
        }));
      return c.json(success(transferView(transfer)), 202);
    },
  );

  const opsRoute = (path: string, summary: string, body: z.ZodTypeAny) =>
    createRoute({
      method: 'post',
      path,
      tags: ['Transfers (ops)'],
      summary,
      security,
      middleware: [requireRole('ops')] as const,
      request: { params: TransferParam, ...jsonBody(body, false) },
      responses: responses(200, TransferSchema, 'The transfer after the intervention', [404, 409, 422, 503]),
    });
  const actor = (c: Context<AuthEnv>) => `${c.get('caller').role}:${c.get('caller').sub}`;

  const AssignBody = z.object({ accountId: Uuid, note: OpsNote }).openapi('AssignIncoming');
  router.openapi(
    opsRoute('/internal/Transfers/incoming/{transferId}/assign', 'Ops assigns an Unrecognized transfer to an account', AssignBody),
    async (c) => {
      const transfer = await ownTransfer(c, c.req.valid('param').transferId, 'incoming');
      const body = await optionalBody(c, AssignBody);
      const account = await getAccount(deps.sql, body.accountId);
      if (account?.kind !== 'client') throw new NotFoundError('account', body.accountId);
      if (account.currency !== transfer.currency)
        throw new DomainError(ErrorCode.CURRENCY_MISMATCH, `account ${account.id} is in ${account.currency}`);
      const { transfer: after } = await commands.act(transfer, {
        action: 'assign',
        accountId: account.id,
        actor: actor(c),
        note: body.note ?? null,
      });
      return c.json(success(transferView(after)), 200);
    },
  );

  const ExecuteBody = z.object({ providerReference: z.string().min(1).max(100), note: OpsNote }).openapi('ExecuteTransfer');
  router.openapi(
    opsRoute(
      '/internal/Transfers/outgoing/{transferId}/execute',
      'Ops completes a Stuck transfer as settled outside the system',
      ExecuteBody,
    ),
    async (c) => {
      const transfer = await ownTransfer(c, c.req.valid('param').transferId, 'outgoing');
      const body = await optionalBody(c, ExecuteBody);
      const { transfer: after } = await commands.act(transfer, {
        action: 'execute',
        providerReference: body.providerReference,
        actor: actor(c),
        note: body.note ?? null,
      });
      return c.json(success(transferView(after)), 200);
    },
  );

  const ContinueBody = z.object({ note: OpsNote }).openapi('ContinueTransfer');
  router.openapi(
    opsRoute(
      '/internal/Transfers/outgoing/{transferId}/continue',
      'Ops resumes a Stuck transfer: the provider is tried again',
      ContinueBody,
    ),
    async (c) => {
      const transfer = await ownTransfer(c, c.req.valid('param').transferId, 'outgoing');
      const body = await optionalBody(c, ContinueBody);
      const { transfer: after } = await commands.act(transfer, { action: 'continue', actor: actor(c), note: body.note ?? null });
      return c.json(success(transferView(after)), 200);
    },
  );

  return router;
}
