import type { Caller } from '../domain/caller';
import type { PaymentStatus } from '../domain/payment';
import type { TransferStatus, TransferType } from '../domain/transfer';

/**
 * The contract between the API, the workflows and the activities: what crosses Temporal. Amounts
 * cross as strings of integer minor units (JSON has no bigint). Types only, so every side can
 * import it (workflow code included) without pulling in the other's code.
 */

// ---- Payments ----------------------------------------------------------------------------------

/** Input of a payment workflow. */
export interface PaymentInput {
  paymentId: string;
  debitAccountId: string;
  creditAccountId: string;
  amountMinor: string;
  currency: string;
  description: string | null;
  reference: string | null;
  /** `immediate` moves the money at once; `draft` waits for pend/post/cancel. */
  mode: 'immediate' | 'draft';
  /** ISO timestamp; when unset a hold expires DEFAULT_HOLD_MS after it was taken. */
  holdExpiresAt: string | null;
  /** The token that started it (unset in runs started before it was recorded). */
  createdBy?: Caller;
  /** Why an ops user moved the money by hand (required for ops payments). */
  note?: string | null;
}

export interface PaymentState {
  status: PaymentStatus;
}

/** Who asks for a status change: a system or ops caller's change is audited with the change. */
export interface ActorRequest {
  actor?: Caller;
}

export interface PendRequest extends ActorRequest {
  holdExpiresAt?: string | null;
}

export type PostRequest = ActorRequest;

export interface CancelRequest extends ActorRequest {
  reason?: string | null;
}

// ---- Transfers ---------------------------------------------------------------------------------

export interface RecipientSnapshot {
  name: string;
  iban: string | null;
  accountNumber: string | null;
  bic: string | null;
  country: string;
}

/** What an outgoing transfer workflow carries; amounts are strings of minor units. */
export interface OutgoingTransferRecord {
  transferId: string;
  clientId: string;
  accountId: string;
  recipientId: string | null;
  recipient: RecipientSnapshot;
  type: Exclude<TransferType, 'Fx'>;
  amountMinor: string;
  feeMinor: string;
  currency: string;
  reference: string | null;
  confirmationId: string;
  /** Internal transfers: the ledger account that receives the money, and its client. */
  recipientAccountId: string | null;
  recipientClientId: string | null;
  /** The token that started it (unset in runs started before it was recorded). */
  createdBy?: Caller;
}

export interface AuditInput {
  stepKey: string;
  action: string;
  actor: string;
  note: string | null;
}

export interface ProviderRetryPolicy {
  /** Submissions before the transfer is Stuck and waits for ops. */
  submitAttempts: number;
  submitIntervalMs: number;
  /** Polls for the provider's decision before the transfer is Stuck. */
  decisionAttempts: number;
}

export interface OutgoingTransferInput {
  record: OutgoingTransferRecord;
  /** An unconfirmed transfer is cancelled by itself after this. */
  confirmationWindowMs: number;
  providerRetry: ProviderRetryPolicy;
}

export interface IncomingTransferInput {
  transferId: string;
  providerReference: string;
  amountMinor: string;
  currency: string;
  senderName: string | null;
  senderIban: string | null;
  receiverAccountNumber: string | null;
  receiverIban: string | null;
  reference: string | null;
  /** The system token that reported it (unset in runs started before it was recorded). */
  createdBy?: Caller;
}

export interface TransferState {
  status: TransferStatus;
}

export interface OpsRequest {
  actor: string;
  note: string | null;
}

// ---- FX transfers ------------------------------------------------------------------------------

/** What an FX transfer workflow carries: the quote locked when it was created. */
export interface FxTransferRecord {
  transferId: string;
  clientId: string;
  sourceAccountId: string;
  targetAccountId: string;
  sellAmountMinor: string;
  sellCurrency: string;
  buyAmountMinor: string;
  buyCurrency: string;
  /** Units of the buy currency per one unit of the sell currency, a decimal string. */
  rate: string;
  /** ISO timestamp: an unconfirmed quote ends Expired at this time (a workflow timer). */
  quoteExpiresAt: string;
  confirmationId: string;
  /** The token that started it (unset in runs started before it was recorded). */
  createdBy?: Caller;
}

export interface FxTransferInput {
  record: FxTransferRecord;
}

export interface ReturnRequest extends OpsRequest {
  reason: string;
}
