/**
 * Checks of what a workflow is started with, run by the workflow before anything else. The API
 * validates every request at the edge, so these only fail for an input that came another way (a
 * hand-started workflow, a bug, an old client): such poison ends the workflow at once as Rejected
 * instead of failing an activity again and again. Pure and deterministic: workflow code runs it.
 */

import type { InputProblem } from '../contract/failures';
import type {
  FxTransferInput,
  FxTransferRecord,
  IncomingTransferInput,
  OutgoingTransferInput,
  OutgoingTransferRecord,
  PaymentInput,
} from '../contract/types';
import { type Bounds, SETTING_BOUNDS, withinBounds } from '../domain/settingBounds';
import { hasControlCharacters } from '../domain/text';

export type { InputProblem };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POSITIVE_MINOR = /^[1-9][0-9]{0,20}$/;
const MINOR = /^(0|[1-9][0-9]{0,20})$/;
const CURRENCY = /^[A-Z]{3}$/;
const COUNTRY = /^[A-Z]{2}$/;

type Rule = (value: unknown) => boolean;
const matches =
  (pattern: RegExp): Rule =>
  (v) =>
    typeof v === 'string' && pattern.test(v);
const text =
  (min: number, max: number): Rule =>
  (v) =>
    typeof v === 'string' && v.length >= min && v.length <= max && !hasControlCharacters(v);
const orNull =
  (rule: Rule): Rule =>
  (v) =>
    v === null || rule(v);
const oneOf =
  (...values: unknown[]): Rule =>
  (v) =>
    values.includes(v);
const timestamp: Rule = (v) => typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v));
const bounded =
  (bounds: Bounds): Rule =>
  (v) =>
    withinBounds(v, bounds);

function firstProblem(checks: [string, unknown, Rule][]): InputProblem | undefined {
  for (const [field, value, rule] of checks) if (!rule(value)) return { field, message: `${field} is not valid` };
  return undefined;
}

const uuid = matches(UUID);

export function paymentInputProblem(given: PaymentInput): InputProblem | undefined {
  const input = (given ?? {}) as Partial<PaymentInput>;
  return firstProblem([
    ['paymentId', input.paymentId, uuid],
    ['debitAccountId', input.debitAccountId, uuid],
    ['creditAccountId', input.creditAccountId, uuid],
    ['amountMinor', input.amountMinor, matches(POSITIVE_MINOR)],
    ['currency', input.currency, matches(CURRENCY)],
    ['description', input.description, orNull(text(0, 500))],
    ['reference', input.reference, orNull(text(0, 500))],
    ['mode', input.mode, oneOf('immediate', 'draft')],
    ['holdExpiresAt', input.holdExpiresAt, orNull(timestamp)],
  ]);
}

export function outgoingInputProblem(given: OutgoingTransferInput): InputProblem | undefined {
  const input = (given ?? {}) as Partial<OutgoingTransferInput>;
  const r = (input.record ?? {}) as Partial<OutgoingTransferRecord>;
  return firstProblem([
    ['transferId', r.transferId, uuid],
    ['clientId', r.clientId, uuid],
    ['accountId', r.accountId, uuid],
    ['recipientId', r.recipientId, orNull(uuid)],
    ['recipient.name', r.recipient?.name, text(1, 200)],
    ['recipient.iban', r.recipient?.iban, orNull(text(1, 42))],
    ['recipient.accountNumber', r.recipient?.accountNumber, orNull(text(1, 34))],
    ['recipient.bic', r.recipient?.bic, orNull(text(1, 11))],
    ['recipient.country', r.recipient?.country, matches(COUNTRY)],
    ['type', r.type, oneOf('Internal', 'Sepa', 'Swift')],
    ['amountMinor', r.amountMinor, matches(POSITIVE_MINOR)],
    ['feeMinor', r.feeMinor, matches(MINOR)],
    ['currency', r.currency, matches(CURRENCY)],
    ['reference', r.reference, orNull(text(0, 500))],
    ['confirmationId', r.confirmationId, uuid],
    ['recipientAccountId', r.recipientAccountId, orNull(uuid)],
    ['recipientClientId', r.recipientClientId, orNull(uuid)],
    ['confirmationWindowMs', input.confirmationWindowMs, bounded(SETTING_BOUNDS.confirmationWindowMs)],
    ['providerRetry.submitAttempts', input.providerRetry?.submitAttempts, bounded(SETTING_BOUNDS.submitAttempts)],
    ['providerRetry.submitIntervalMs', input.providerRetry?.submitIntervalMs, bounded(SETTING_BOUNDS.submitIntervalMs)],
    ['providerRetry.decisionAttempts', input.providerRetry?.decisionAttempts, bounded(SETTING_BOUNDS.decisionAttempts)],
  ]);
}

export function incomingInputProblem(given: IncomingTransferInput): InputProblem | undefined {
  const input = (given ?? {}) as Partial<IncomingTransferInput>;
  return firstProblem([
    ['transferId', input.transferId, uuid],
    ['providerReference', input.providerReference, text(1, 100)],
    ['amountMinor', input.amountMinor, matches(POSITIVE_MINOR)],
    ['currency', input.currency, matches(CURRENCY)],
    ['senderName', input.senderName, orNull(text(0, 500))],
    ['senderIban', input.senderIban, orNull(text(0, 42))],
    ['receiverAccountNumber', input.receiverAccountNumber, orNull(text(0, 34))],
    ['receiverIban', input.receiverIban, orNull(text(0, 42))],
    ['reference', input.reference, orNull(text(0, 500))],
  ]);
}

const RATE = /^(0|[1-9][0-9]{0,20})(\.[0-9]{1,20})?$/;

export function fxInputProblem(given: FxTransferInput): InputProblem | undefined {
  const input = (given ?? {}) as Partial<FxTransferInput>;
  const r = (input.record ?? {}) as Partial<FxTransferRecord>;
  const problem = firstProblem([
    ['transferId', r.transferId, uuid],
    ['clientId', r.clientId, uuid],
    ['sourceAccountId', r.sourceAccountId, uuid],
    ['targetAccountId', r.targetAccountId, uuid],
    ['sellAmountMinor', r.sellAmountMinor, matches(POSITIVE_MINOR)],
    ['sellCurrency', r.sellCurrency, matches(CURRENCY)],
    ['buyAmountMinor', r.buyAmountMinor, matches(POSITIVE_MINOR)],
    ['buyCurrency', r.buyCurrency, matches(CURRENCY)],
    ['rate', r.rate, matches(RATE)],
    ['quoteExpiresAt', r.quoteExpiresAt, timestamp],
    ['confirmationId', r.confirmationId, uuid],
  ]);
  if (problem) return problem;
  if (r.sellCurrency === r.buyCurrency) return { field: 'buyCurrency', message: 'buyCurrency must differ from sellCurrency' };
  if (r.sourceAccountId === r.targetAccountId)
    return { field: 'targetAccountId', message: 'targetAccountId must differ from sourceAccountId' };
  return undefined;
}
