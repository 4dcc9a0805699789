import { parseAccountReference } from '../domain/accountReference';
import type { Caller } from '../domain/caller';
import { DomainError, ErrorCode, NotFoundError, ValidationError } from '../domain/errors';
import { isUuid, newId } from '../domain/ids';
import {
  type AccountPurpose,
  type AccountRow,
  accountsOfClient,
  closeEmptyAccount,
  findClientAccount,
  getAccount,
  renameAccount,
  reorderAccounts,
} from '../ledger/accounts';
import { issueOtpToken, spendOtpToken } from '../store/accountOtpTokens';
import { getConfirmation, issueAccountCode, verifyCode } from '../store/confirmations';
import type { AccountUseCases } from './accounts';
import type { UseCaseDeps } from './deps';
import type { Notifier } from './ports';

/** Account operations that need a one-time code first. */
export const ACCOUNT_OTP_OPERATIONS = ['close'] as const;
export type AccountOtpOperation = (typeof ACCOUNT_OTP_OPERATIONS)[number];

/** How long the token a verified code gives stays usable. */
const OTP_TOKEN_TTL_MS = 5 * 60_000;

/**
 * A client's own accounts (FrontOffice): open, list, find, rename, reorder, and close with a
 * one-time code. Another client's account is as good as missing (404).
 */
export function createClientAccountUseCases(
  { sql, otp }: Pick<UseCaseDeps, 'sql' | 'otp'>,
  accounts: AccountUseCases,
  notifier: Notifier | undefined,
) {
  async function own(caller: Caller, accountId: string): Promise<AccountRow> {
    const account = isUuid(accountId) ? await getAccount(sql, accountId) : undefined;
    if (!account || account.clientId !== caller.sub) throw new NotFoundError('account', accountId);
    return account;
  }

  async function open(caller: Caller, request: { currency: string; name: string; purpose: AccountPurpose }): Promise<AccountRow> {
    return accounts.create({ clientId: caller.sub, kind: 'client', overdraftLimit: 0n, ...request });
  }

  async function list(caller: Caller): Promise<AccountRow[]> {
    return accountsOfClient(sql, caller.sub);
  }

  /** By id (a UUID), else by account number or IBAN. */
  async function find(caller: Caller, idOrNumber: string): Promise<AccountRow> {
    if (isUuid(idOrNumber)) return own(caller, idOrNumber);
    let ref: ReturnType<typeof parseAccountReference>;
    try {
      ref = parseAccountReference(idOrNumber, 'idOrAccountNumber');
    } catch {
      throw new NotFoundError('account', idOrNumber);
    }
    const account = await findClientAccount(sql, ref);
    if (!account || account.clientId !== caller.sub) throw new NotFoundError('account', idOrNumber);
    return account;
  }

  async function rename(caller: Caller, accountId: string, name: string): Promise<AccountRow> {
    await own(caller, accountId);
    return (await renameAccount(sql, accountId, name)) as AccountRow;
  }

  /** The caller's full list of accounts in the new order; any other list is a validation error. */
  async function reorder(caller: Caller, accountIds: string[]): Promise<AccountRow[]> {
    const current = await accountsOfClient(sql, caller.sub);
    const same =
      accountIds.length === current.length &&
      new Set(accountIds).size === accountIds.length &&
      current.every((a) => accountIds.includes(a.id));
    if (!same) throw new ValidationError('accountIds must list each of your accounts exactly once', 'accountIds');
    await reorderAccounts(sql, caller.sub, accountIds);
    return accountsOfClient(sql, caller.sub);
  }

  /** Sends a code for an operation on one account; the code is checked by verifyOtp. */
  async function sendOtp(
    caller: Caller,
    request: { operation: AccountOtpOperation; accountId: string },
  ): Promise<{ otpId: string; expiresAt: Date }> {
    const account = await own(caller, request.accountId);
    if (!notifier) throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE, 'no notifier is configured to send codes');
    const otpId = newId();
    // Capped like transfer codes (domain/otpPolicy.ts): per account and operation, counted and spaced.
    const { code, expiresAt } = await issueAccountCode(sql, otp, {
      id: otpId,
      clientId: caller.sub,
      operation: `account:${request.operation}:${account.id}`,
    });
    await notifier.send({
      clientId: caller.sub,
      channel: 'sms',
      subject: `Confirm: ${request.operation} account`,
      expiresAt,
      body: `Your code is ${code}. It confirms: ${request.operation} account ${account.accountNumber}. It expires at ${expiresAt.toISOString()}.`,
    });
    return { otpId, expiresAt };
  }

  /** Checks the code; the answer is a token for that operation on that account, usable once. */
  async function verifyOtp(caller: Caller, request: { otpId: string; code: string }): Promise<{ otpToken: string }> {
    const confirmation = await getConfirmation(sql, request.otpId);
    const [kind, operation, accountId] = confirmation?.operation.split(':') ?? [];
    if (!confirmation || confirmation.clientId !== caller.sub || kind !== 'account' || !operation || !accountId) {
      throw new NotFoundError('otp', request.otpId);
    }
    await verifyCode(sql, otp, confirmation.id, { code: request.code }, notifier);
    const otpToken = await issueOtpToken(sql, {
      confirmationId: confirmation.id,
      clientId: caller.sub,
      accountId,
      operation,
      ttlMs: OTP_TOKEN_TTL_MS,
    });
    return { otpToken };
  }

  /**
   * Closes an account: a token from a verified `close` code for this account, and nothing in it.
   * The token is spent in the same transaction as the close, so a refusal leaves it usable.
   */
  async function close(caller: Caller, accountId: string, otpToken: string | undefined): Promise<AccountRow> {
    await own(caller, accountId);
    return sql.begin(async (tx) => {
      if (!otpToken || !(await spendOtpToken(tx, otpToken, { clientId: caller.sub, accountId, operation: 'close' }))) {
        throw new DomainError(ErrorCode.OTP_INVALID, 'a valid X-Otp-Token for closing this account is required', { field: 'X-Otp-Token' });
      }
      const closed = await closeEmptyAccount(tx, accountId);
      if (closed) return closed;
      const account = (await getAccount(tx, accountId)) as AccountRow;
      if (account.status === 'closed')
        throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, 'the account is closed', { from: 'closed', action: 'close' });
      throw new DomainError(ErrorCode.ACCOUNT_NOT_EMPTY, 'the account still holds money or has holds', { accountId });
    });
  }

  return { open, list, find, rename, reorder, sendOtp, verifyOtp, close };
}
