import type { Caller } from '../domain/caller';
import { NotFoundError } from '../domain/errors';
import { type ConfirmationRow, getConfirmation } from '../store/confirmations';
import { getTransferByConfirmation } from '../store/transfers';
import type { UseCaseDeps } from './deps';
import type { TransferUseCases } from './transfers';

export type ConfirmationStatus = 'pending' | 'verified' | 'expired' | 'locked';

export interface ConfirmationState {
  id: string;
  status: ConfirmationStatus;
  expiresAt: Date;
  attemptsLeft: number;
}

const stateOf = (c: ConfirmationRow, now: Date): ConfirmationState => {
  let status: ConfirmationStatus = 'pending';
  if (c.status === 'verified') status = 'verified';
  else if (c.expiresAt.getTime() < now.getTime()) status = 'expired';
  else if (c.attemptsLeft <= 0) status = 'locked';
  return { id: c.id, status, expiresAt: c.expiresAt, attemptsLeft: c.attemptsLeft };
};

/** One-time codes of a client: their state, and a new code for the operation they confirm. */
export function createConfirmationUseCases({ sql }: UseCaseDeps, transfers: TransferUseCases) {
  async function own(caller: Caller, confirmationId: string): Promise<ConfirmationRow> {
    const confirmation = await getConfirmation(sql, confirmationId);
    if (!confirmation || confirmation.clientId !== caller.sub) throw new NotFoundError('confirmation', confirmationId);
    return confirmation;
  }

  async function get(caller: Caller, confirmationId: string): Promise<ConfirmationState> {
    return stateOf(await own(caller, confirmationId), new Date());
  }

  /** Sends a new code through the transfer's workflow; returns when it expires. */
  async function resend(caller: Caller, confirmationId: string): Promise<{ confirmationId: string; expiresAt: Date }> {
    const confirmation = await own(caller, confirmationId);
    const transfer = await getTransferByConfirmation(sql, confirmation.id);
    if (!transfer) throw new NotFoundError('confirmation', confirmation.id);
    const expiresAt = await transfers.resendCode(transfer);
    return { confirmationId: confirmation.id, expiresAt: expiresAt ? new Date(expiresAt) : confirmation.expiresAt };
  }

  return { get, resend };
}
