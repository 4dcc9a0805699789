import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { EVENT_TYPES, type EventType } from '../../domain/events';
import { AmountOut, Timestamp, Uuid } from '../schemas';
import { PaymentFields } from './payments';

/**
 * Each event type's payload (`data`), for the OpenAPI document's `webhooks` section: the resource
 * right after the change, as ledger/events.ts's writers put it (store/payments.ts
 * paymentSummaryView, store/transfers.ts transferEventView, ledger/accounts.ts accountSummaryView,
 * store/clients.ts clientSummaryView, store/ledgerChecks.ts).
 */
const PaymentData = z
  .object(PaymentFields)
  .openapi('PaymentEventData', { description: 'The payment without its transactions (GET the payment for those)' });

const TransferData = z
  .object({
    id: Uuid,
    direction: z.enum(['outgoing', 'incoming', 'fx']),
    type: z.string(),
    status: z.string(),
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
    failureReason: z.string().nullable(),
    relatedTransferId: Uuid.nullable(),
    returnReason: z.string().nullable().optional().openapi({ description: 'Outgoing only: why the beneficiary bank sent it back' }),
    returnedAmount: AmountOut.nullable().optional().openapi({ description: 'Outgoing only: the amount that came back' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    sellAmount: AmountOut.optional(),
    sellCurrency: z.string().optional(),
    buyAmount: AmountOut.optional(),
    buyCurrency: z.string().optional(),
    rate: z.string().nullable().optional(),
    targetAccountId: Uuid.nullable().optional(),
  })
  .openapi('TransferEventData', { description: 'The transfer as GET /internal/Transfers/... shows it; FX fields for direction fx' });

const AccountData = z
  .object({
    id: Uuid,
    accountNumber: z.string(),
    iban: z.string().nullable(),
    clientId: Uuid.nullable(),
    currency: z.string(),
    kind: z.enum(['client', 'internal']),
    purpose: z.string(),
    name: z.string(),
    status: z.enum(['active', 'blocked', 'closed']),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('AccountEventData', { description: 'The account without balances (they change with every posting; GET the account)' });

const ClientData = z
  .object({
    id: Uuid,
    type: z.enum(['individual', 'business']),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    companyName: z.string().nullable(),
    email: z.string(),
    phone: z.string().nullable(),
    country: z.string(),
    externalId: z.string().nullable(),
    status: z.enum(['active', 'blocked', 'closed']),
    statusReason: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('ClientEventData', { description: 'The client without its limits' });

const DailyCheckData = z
  .object({
    id: Uuid,
    date: z.string(),
    status: z.literal('failed'),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    failedChecks: z.array(z.object({ name: z.string(), offending: z.number().int() })),
  })
  .openapi('DailyCheckEventData');

const TestData = z.object({ endpointId: Uuid, message: z.string() }).openapi('WebhookTestEventData');

const DATA: Record<string, { aggregate: string; data: z.ZodTypeAny }> = {
  payment: { aggregate: 'payment', data: PaymentData },
  transfer: { aggregate: 'transfer', data: TransferData },
  account: { aggregate: 'account', data: AccountData },
  client: { aggregate: 'client', data: ClientData },
  daily_check: { aggregate: 'daily_check', data: DailyCheckData },
  webhook: { aggregate: 'webhook_endpoint', data: TestData },
};

const SignatureHeaders = z.object({
  'webhook-id': Uuid.openapi({ description: 'The event id: the same on every attempt; drop repeats by it' }),
  'webhook-timestamp': z.string().openapi({ description: 'Unix seconds of this attempt' }),
  'webhook-signature': z.string().openapi({
    description:
      '`v1,` + base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}` keyed with the base64-decoded secret (after `whsec_`); ' +
      'two, space-separated, for 24 hours after a rotation',
  }),
});

/** payment.posted -> PaymentPosted, transfer.pending_confirmation -> TransferPendingConfirmation. */
const pascal = (type: string) =>
  type
    .split(/[._]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** One entry per event type in the document's `webhooks` section (OpenAPI 3.1). */
export function registerEventWebhooks(registry: OpenAPIHono['openAPIRegistry']): void {
  for (const type of EVENT_TYPES as readonly EventType[]) {
    const family = DATA[type.split('.')[0] as string] as { aggregate: string; data: z.ZodTypeAny };
    registry.registerWebhook({
      method: 'post',
      path: type,
      // Named for generated receivers (payment.posted -> onPaymentPosted); authenticated by the
      // webhook-signature header, not by a token of ours.
      operationId: `on${pascal(type)}`,
      security: [],
      tags: ['Webhook events'],
      summary: `${type}: sent to the endpoints whose eventTypes take it`,
      description:
        'Standard Webhooks: answer 2xx within 10 s; anything else is retried with growing waits for at least 3 days, with the same id and body.',
      request: {
        headers: SignatureHeaders,
        body: {
          content: {
            'application/json': {
              // A named component per type: generators make a model of it (an inline body is left unnamed).
              schema: z
                .object({
                  id: Uuid,
                  type: z.literal(type),
                  occurredAt: Timestamp,
                  aggregate: z.object({ type: z.literal(family.aggregate), id: Uuid, sequence: z.number().int() }),
                  clientId: Uuid.nullable(),
                  data: family.data,
                })
                .openapi(`${pascal(type)}Event`),
            },
          },
        },
      },
      responses: { 200: { description: 'Any 2xx acknowledges the delivery' } },
    });
  }
}
