import { randomUUID } from 'node:crypto';
import type { FxTransferInput, FxTransferRecord, OutgoingTransferInput, OutgoingTransferRecord } from '../../contract/types';

/** An outgoing transfer's workflow input that passes the workflow's input checks, with `record` over it. */
export function outgoingTransferInput(record: Partial<OutgoingTransferRecord> = {}): OutgoingTransferInput {
  const transferId = record.transferId ?? randomUUID();
  return {
    record: {
      transferId,
      clientId: randomUUID(),
      accountId: randomUUID(),
      recipientId: null,
      recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', accountNumber: null, bic: null, country: 'DE' },
      type: 'Sepa',
      amountMinor: '100',
      feeMinor: '50',
      currency: 'EUR',
      reference: null,
      confirmationId: randomUUID(),
      recipientAccountId: null,
      recipientClientId: null,
      ...record,
    },
    confirmationWindowMs: 60_000,
    providerRetry: { submitAttempts: 3, submitIntervalMs: 100, decisionAttempts: 5 },
  };
}

/** An FX transfer's workflow input that passes the input checks: a quote locked for `quoteMs` from `now`. */
export function fxTransferInput(record: Partial<FxTransferRecord> = {}, now = Date.now(), quoteMs = 30_000): FxTransferInput {
  return {
    record: {
      transferId: randomUUID(),
      clientId: randomUUID(),
      sourceAccountId: randomUUID(),
      targetAccountId: randomUUID(),
      sellAmountMinor: '1000',
      sellCurrency: 'EUR',
      buyAmountMinor: '1079',
      buyCurrency: 'USD',
      rate: '1.079575',
      quoteExpiresAt: new Date(now + quoteMs).toISOString(),
      confirmationId: randomUUID(),
      ...record,
    },
  };
}
