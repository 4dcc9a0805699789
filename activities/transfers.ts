import type { AuditInput, IncomingTransferInput, OutgoingTransferRecord } from '../contract/types';
import { callerOf } from '../domain/caller';
import { DomainError, ErrorCode } from '../domain/errors';
import { checkTransferLimits, limitsFor, type TransferLimits } from '../domain/limits';
import { formatAmount } from '../domain/money';
import type { OtpPolicy } from '../domain/otpPolicy';
import type { TransferStatus } from '../domain/transfer';
import { incomingTransferType } from '../domain/transferPricing';
import { findClientAccount, getInternalAccount } from '../ledger/accounts';
import type { Sql, TransactionSql } from '../ledger/db';
import { releaseHoldsOf, requireDebitable } from '../ledger/holds';
import { recordEntries } from '../ledger/journal';
import type { EntryRequest } from '../ledger/types';
import { recordAudit } from '../store/audit';
import { lockClientLimits } from '../store/clients';
import { issueCode, verifyCode } from '../store/confirmations';
import { addAudit, insertTransfer, outgoingToday, updateTransfer } from '../store/transfers';
import type { Notifier } from '../usecases/ports';
import { withBusinessFailures } from './failures';
import { entryIdFor } from './payments';
import type { PaymentProvider } from './provider';

export interface TransferActivityDeps {
  sql: Sql;
  provider: PaymentProvider;
  notifier: Notifier;
  otp: OtpPolicy;
  /** Configured defaults for clients without limits of their own. */
  transferLimits: TransferLimits;
}

/** Entry keys of one outgoing transfer: the holds and what resolves them. */
export const outgoingKeys = (workflowId: string) => ({
  holdAmount: `${workflowId}/hold-amount`,
  holdFee: `${workflowId}/hold-fee`,
  settleAmount: `${workflowId}/settle-amount`,
  settleFee: `${workflowId}/settle-fee`,
  releaseAmount: `${workflowId}/release-amount`,
  releaseFee: `${workflowId}/release-fee`,
  creditRecipient: `${workflowId}/credit-recipient`,
});

async function internalAccountId(sql: Sql, currency: string, purpose: 'settlement' | 'fee_income' | 'suspense'): Promise<string> {
  const account = await getInternalAccount(sql, currency, purpose);
  if (!account) throw new DomainError(ErrorCode.CURRENCY_NOT_SUPPORTED, `the ledger has no ${purpose} account in ${currency}`);
  return account.id;
}

/**
 * An ops intervention on a transfer: the transfer's own audit trail (shown with its details) and the
 * audit log, both in the transaction of the change and both keyed by the step, so a repeat records once.
 */
async function auditOps(tx: TransactionSql, transferId: string, a: AuditInput): Promise<void> {
  await addAudit(tx, transferId, a.stepKey, { action: a.action, actor: a.actor, note: a.note });
  await recordAudit(tx, {
    actor: callerOf(a.actor),
    key: a.stepKey,
    action: `transfer.${a.action}`,
    resourceType: 'transfer',
    resourceId: transferId,
    note: a.note,
  });
}

export function createTransferActivities({ sql, provider, notifier, otp, transferLimits }: TransferActivityDeps) {
  const audit = (tx: TransactionSql, transferId: string, a: AuditInput | undefined) =>
    a ? auditOps(tx, transferId, a) : Promise.resolve();

  /** Holds amount and fee on the client's account and records the transfer, in one transaction. */
  async function openOutgoingTransfer(input: { record: OutgoingTransferRecord; workflowId: string }): Promise<void> {
    const { record } = input;
    const keys = outgoingKeys(input.workflowId);
    const [settlement, feeIncome] = await Promise.all([
      internalAccountId(sql, record.currency, 'settlement'),
      internalAccountId(sql, record.currency, 'fee_income'),
    ]);
    const amount = BigInt(record.amountMinor);
    const fee = BigInt(record.feeMinor);
    const common = { transferId: record.transferId, currency: record.currency, debitAccountId: record.accountId };
    const holds: EntryRequest[] = [
      { ...common, kind: 'pending', id: entryIdFor(keys.holdAmount), creditAccountId: settlement, amount, description: 'transfer' },
    ];
    if (fee > 0n)
      holds.push({
        ...common,
        kind: 'pending',
        id: entryIdFor(keys.holdFee),
        creditAccountId: feeIncome,
        amount: fee,
        description: 'transfer fee',
      });
    await recordEntries(sql, holds, {
      inTransaction: async (tx) => {
        // In the transaction that holds the funds, with the client's row locked: concurrent
        // transfers of one client queue here, so together they cannot pass the daily limit.
        const clientLimits = (await lockClientLimits(tx, record.clientId)) ?? {};
        const used = await outgoingToday(tx, record.clientId, record.currency);
        checkTransferLimits(record.currency, amount, used, limitsFor(record.currency, clientLimits, transferLimits));
        await insertTransfer(tx, {
          id: record.transferId,
          clientId: record.clientId,
          direction: 'outgoing',
          type: record.type,
          status: 'PendingConfirmation',
          accountId: record.accountId,
          recipientId: record.recipientId,
          recipient: { ...record.recipient },
          sender: null,
          amount,
          currency: record.currency,
          fee,
          reference: record.reference,
          providerReference: null,
          confirmationId: record.confirmationId,
          failureReason: null,
          relatedTransferId: null,
          createdBy: record.createdBy ?? null,
        });
      },
    });
  }

  /** Sends a fresh one-time code for the transfer (a resend voids the previous code). */
  /**
   * Sends a code (the first, or a resend within the limits). `sendId` names the send, so a retried
   * activity re-issues it rather than counting another resend; older workflows send none.
   */
  async function sendTransferCode(input: { record: OutgoingTransferRecord; sendId?: string }): Promise<{ expiresAt: string }> {
    const { record } = input;
    const { code, expiresAt } = await issueCode(sql, otp, {
      id: record.confirmationId,
      clientId: record.clientId,
      transferId: record.transferId,
      operation: 'transfer',
      sendId: input.sendId ?? null,
    });
    const amount = formatAmount(BigInt(record.amountMinor), record.currency);
    await notifier.send({
      clientId: record.clientId,
      channel: 'sms',
      subject: 'Confirm your transfer',
      expiresAt,
      body: `Your code is ${code}. It confirms the transfer of ${amount} ${record.currency} to ${record.recipient.name} and expires at ${expiresAt.toISOString()}.`,
    });
    return { expiresAt: expiresAt.toISOString() };
  }

  /**
   * Checks a confirmation code. With `debitAccountId` (a first confirmation, which lets money
   * leave) the client and the account must be free to pay first: docs/api.md refuses confirming work
   * created before a block with CLIENT_BLOCKED / ACCOUNT_NOT_ACTIVE, and such a refusal uses up no
   * attempt of the code.
   */
  async function checkTransferCode(
    input: { confirmationId: string; debitAccountId?: string } & ({ code: string } | { codeHash: string }),
  ): Promise<void> {
    if (input.debitAccountId !== undefined) await requireDebitable(sql, input.debitAccountId);
    const presented = 'codeHash' in input ? { codeHash: input.codeHash } : { code: input.code };
    await verifyCode(sql, otp, input.confirmationId, presented, notifier);
  }

  async function setTransferStatus(input: {
    transferId: string;
    status: TransferStatus;
    failureReason?: string;
    audit?: AuditInput;
  }): Promise<void> {
    await sql.begin(async (tx) => {
      await updateTransfer(tx, input.transferId, { status: input.status, failureReason: input.failureReason });
      await audit(tx, input.transferId, input.audit);
    });
  }

  async function submitToProvider(input: { record: OutgoingTransferRecord }): Promise<{ providerReference: string }> {
    const { record } = input;
    return provider.submit({
      transferId: record.transferId,
      amountMinor: BigInt(record.amountMinor),
      currency: record.currency,
      reference: record.reference,
      recipient: { ...record.recipient },
    });
  }

  /** The provider's decision; while it has none this fails, so Temporal polls again with backoff. */
  async function awaitProviderDecision(input: {
    providerReference: string;
  }): Promise<{ accepted: true } | { accepted: false; reason: string }> {
    const decision = await provider.decision(input.providerReference);
    if (decision.status === 'pending') throw new Error(`the provider has not decided ${input.providerReference} yet`);
    return decision.status === 'accepted' ? { accepted: true } : { accepted: false, reason: decision.reason };
  }

  /**
   * Settles the holds: the amount goes to the settlement account (or, for an Internal transfer, on
   * to the recipient's account) and the fee to fee income; the transfer is Completed.
   */
  async function settleOutgoing(input: {
    record: OutgoingTransferRecord;
    workflowId: string;
    providerReference: string | null;
    audit?: AuditInput;
  }): Promise<void> {
    const { record } = input;
    const keys = outgoingKeys(input.workflowId);
    const entries: EntryRequest[] = [{ kind: 'post_pending', id: entryIdFor(keys.settleAmount), pendingId: entryIdFor(keys.holdAmount) }];
    if (BigInt(record.feeMinor) > 0n)
      entries.push({ kind: 'post_pending', id: entryIdFor(keys.settleFee), pendingId: entryIdFor(keys.holdFee) });
    const incomingId = record.recipientAccountId ? entryIdFor(`${input.workflowId}/incoming-record`) : null;
    const sender = record.recipientAccountId ? await payerAsSeenByPayee(record) : null;
    if (record.recipientAccountId) {
      entries.push({
        kind: 'posted',
        id: entryIdFor(keys.creditRecipient),
        debitAccountId: await internalAccountId(sql, record.currency, 'settlement'),
        creditAccountId: record.recipientAccountId,
        amount: BigInt(record.amountMinor),
        currency: record.currency,
        transferId: incomingId,
        description: `internal transfer from ${record.accountId}`,
      });
    }
    await recordEntries(sql, entries, {
      inTransaction: async (tx) => {
        await updateTransfer(tx, record.transferId, { status: 'Completed', providerReference: input.providerReference });
        await audit(tx, record.transferId, input.audit);
        if (incomingId && record.recipientAccountId) {
          // The recipient's client sees the money arrive as an incoming transfer of its own.
          await insertTransfer(tx, {
            id: incomingId,
            clientId: record.recipientClientId,
            direction: 'incoming',
            type: 'Internal',
            status: 'Completed',
            accountId: record.recipientAccountId,
            recipientId: null,
            recipient: null,
            sender,
            amount: BigInt(record.amountMinor),
            currency: record.currency,
            fee: 0n,
            reference: record.reference,
            providerReference: null,
            confirmationId: null,
            failureReason: null,
            relatedTransferId: record.transferId,
            // The payee's copy: the payer's token names the payer's client, which the payee must never see.
            createdBy: null,
          });
          await tx`UPDATE transfers SET related_transfer_id = ${incomingId} WHERE id = ${record.transferId}`;
        }
      },
    });
  }

  /** The payer as the payee's incoming transfer names it: name and references (masked when shown), no ids. */
  async function payerAsSeenByPayee(record: OutgoingTransferRecord): Promise<Record<string, string | null>> {
    const [payer] = await sql<[{ name: string; iban: string | null; accountNumber: string }?]>`
      SELECT coalesce(c.company_name, concat_ws(' ', c.first_name, c.last_name)) AS name, a.iban, a.account_number
      FROM accounts a JOIN clients c ON c.id = a.client_id
      WHERE a.id = ${record.accountId}`;
    return { name: payer?.name ?? null, iban: payer?.iban ?? null, accountNumber: payer?.accountNumber ?? null };
  }

  /**
   * Voids the holds (the payback): the transfer ends Failed or Cancelled with its reason. Every
   * hold the ledger has for the transfer is voided, also one whose answer the workflow never got
   * (ledger/holds.ts); the amount and fee holds keep their voids' names.
   */
  async function releaseOutgoing(input: {
    record: OutgoingTransferRecord;
    workflowId: string;
    status: 'Failed' | 'Cancelled';
    reason: string | null;
  }): Promise<void> {
    const { record } = input;
    const keys = outgoingKeys(input.workflowId);
    const knownVoidIds = new Map([
      [entryIdFor(keys.holdAmount), entryIdFor(keys.releaseAmount)],
      [entryIdFor(keys.holdFee), entryIdFor(keys.releaseFee)],
    ]);
    await releaseHoldsOf(
      sql,
      { transferId: record.transferId },
      {
        knownVoidIds,
        inTransaction: (tx) => updateTransfer(tx, record.transferId, { status: input.status, failureReason: input.reason }),
      },
    );
  }

  /**
   * Books money the provider reports: from settlement to the receiver's account (Completed), or
   * to suspense when no active account of that currency matches (Unrecognized).
   */
  async function receiveIncoming(input: {
    transfer: IncomingTransferInput;
    entryKey: string;
  }): Promise<{ status: 'Completed' | 'Unrecognized' }> {
    const t = input.transfer;
    const receiver = await findClientAccount(sql, { iban: t.receiverIban, accountNumber: t.receiverAccountNumber }, t.currency);
    const settlement = await internalAccountId(sql, t.currency, 'settlement');
    const creditAccountId = receiver?.id ?? (await internalAccountId(sql, t.currency, 'suspense'));
    const status = receiver ? 'Completed' : 'Unrecognized';
    await recordEntries(
      sql,
      [
        {
          kind: 'posted',
          id: entryIdFor(input.entryKey),
          debitAccountId: settlement,
          creditAccountId,
          amount: BigInt(t.amountMinor),
          currency: t.currency,
          transferId: t.transferId,
          description: `incoming ${t.providerReference}`,
        },
      ],
      {
        inTransaction: async (tx) => {
          await insertTransfer(tx, {
            id: t.transferId,
            clientId: receiver?.clientId ?? null,
            direction: 'incoming',
            type: incomingTransferType(t.currency),
            status,
            accountId: receiver?.id ?? null,
            recipientId: null,
            recipient: { accountNumber: t.receiverAccountNumber, iban: t.receiverIban },
            sender: { name: t.senderName, iban: t.senderIban },
            amount: BigInt(t.amountMinor),
            currency: t.currency,
            fee: 0n,
            reference: t.reference,
            providerReference: t.providerReference,
            confirmationId: null,
            failureReason: null,
            relatedTransferId: null,
            createdBy: t.createdBy ?? null,
          });
          // Money a system reported moves here: audited with the booking (a repeat books and records nothing).
          if (t.createdBy)
            await recordAudit(tx, {
              actor: t.createdBy,
              key: input.entryKey,
              action: `transfer.${status.toLowerCase()}`,
              resourceType: 'transfer',
              resourceId: t.transferId,
              after: {
                status,
                amount: formatAmount(BigInt(t.amountMinor), t.currency),
                currency: t.currency,
                providerReference: t.providerReference,
              },
            });
        },
      },
    );
    // A repeat finds the first booking: the status stored then is the answer.
    const [stored] = await sql<[{ status: 'Completed' | 'Unrecognized' }]>`SELECT status FROM transfers WHERE id = ${t.transferId}`;
    return { status: stored.status };
  }

  /** Ops assigns an Unrecognized incoming transfer: the money moves from suspense to the account. */
  async function assignIncoming(input: {
    transferId: string;
    accountId: string;
    amountMinor: string;
    currency: string;
    entryKey: string;
    audit: AuditInput;
  }): Promise<void> {
    const [account] = await sql<
      [{ clientId: string | null }?]
    >`SELECT client_id FROM accounts WHERE id = ${input.accountId} AND kind = 'client'`;
    if (!account) throw new DomainError(ErrorCode.NOT_FOUND, `client account ${input.accountId} not found`, { field: 'accountId' });
    await recordEntries(
      sql,
      [
        {
          kind: 'posted',
          id: entryIdFor(input.entryKey),
          debitAccountId: await internalAccountId(sql, input.currency, 'suspense'),
          creditAccountId: input.accountId,
          amount: BigInt(input.amountMinor),
          currency: input.currency,
          transferId: input.transferId,
          description: 'assigned from suspense',
        },
      ],
      {
        inTransaction: async (tx) => {
          await updateTransfer(tx, input.transferId, { status: 'Completed', clientId: account.clientId, accountId: input.accountId });
          await audit(tx, input.transferId, input.audit);
        },
      },
    );
  }

  /** Sends an Unrecognized incoming payment back to the sender's bank through the provider (idempotent per transfer). */
  async function submitReturn(input: {
    transferId: string;
    providerReference: string;
    amountMinor: string;
    currency: string;
    reason: string;
  }): Promise<{ providerReference: string }> {
    return provider.returnPayment({
      transferId: input.transferId,
      originalReference: input.providerReference,
      amountMinor: BigInt(input.amountMinor),
      currency: input.currency,
      reason: input.reason,
    });
  }

  /** The returned money leaves suspense back to settlement; the transfer is Returned, with the ops audit. */
  async function bookReturn(input: {
    transferId: string;
    amountMinor: string;
    currency: string;
    reason: string;
    entryKey: string;
    audit: AuditInput;
  }): Promise<void> {
    await recordEntries(
      sql,
      [
        {
          kind: 'posted',
          id: entryIdFor(input.entryKey),
          debitAccountId: await internalAccountId(sql, input.currency, 'suspense'),
          creditAccountId: await internalAccountId(sql, input.currency, 'settlement'),
          amount: BigInt(input.amountMinor),
          currency: input.currency,
          transferId: input.transferId,
          description: 'returned to the sender',
        },
      ],
      {
        inTransaction: async (tx) => {
          await updateTransfer(tx, input.transferId, { status: 'Returned', failureReason: input.reason });
          await audit(tx, input.transferId, input.audit);
        },
      },
    );
  }

  return {
    receiveIncoming: withBusinessFailures(receiveIncoming),
    submitReturn: withBusinessFailures(submitReturn),
    bookReturn: withBusinessFailures(bookReturn),
    assignIncoming: withBusinessFailures(assignIncoming),
    openOutgoingTransfer: withBusinessFailures(openOutgoingTransfer),
    sendTransferCode: withBusinessFailures(sendTransferCode),
    checkTransferCode: withBusinessFailures(checkTransferCode),
    setTransferStatus: withBusinessFailures(setTransferStatus),
    submitToProvider: withBusinessFailures(submitToProvider),
    awaitProviderDecision: withBusinessFailures(awaitProviderDecision),
    settleOutgoing: withBusinessFailures(settleOutgoing),
    releaseOutgoing: withBusinessFailures(releaseOutgoing),
  };
}
