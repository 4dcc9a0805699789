import type { Client } from '@temporalio/client';
import { workflowEndedVia } from '../contract/workflowRuns';
import { callerOf } from '../domain/caller';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { derivedId } from '../domain/ids';
import type { Sql } from '../ledger/db';
import { getEntry, recordEntries } from '../ledger/journal';
import { recordAudit } from '../store/audit';
import {
  findStrandedHoldsEverywhere,
  getHoldRelease,
  type HoldRelease,
  insertHoldRelease,
  type StrandedHold,
} from '../store/strandedHolds';

/**
 * The repair path for money held for ever: a hold whose payment or transfer finished without
 * posting or voiding it (the interleaving bug fixed in workflows/turns.ts could leave such holds).
 * Ops list them and release each, audited; the release is a void entry, never a delete.
 */
export function createStrandedHoldRepairs(sql: Sql, temporal: Client) {
  const workflowEnded = workflowEndedVia(temporal);

  /** Holds of finished payments and transfers, and of live-looking ones whose workflow has ended. */
  async function list(limit: number): Promise<StrandedHold[]> {
    return findStrandedHoldsEverywhere(sql, workflowEnded, { limit });
  }

  /** Voids the hold once (a repeat returns the first release) and records who did it and why. */
  async function release(pendingId: string, actor: string, note: string): Promise<HoldRelease> {
    const done = await getHoldRelease(sql, pendingId);
    if (done) return done;
    const [hold] = await findStrandedHoldsEverywhere(sql, workflowEnded, { pendingId, limit: 1 });
    if (!hold) {
      const entry = await getEntry(sql, pendingId);
      if (entry?.kind !== 'pending') throw new NotFoundError('hold', pendingId);
      // Still owned by a running payment or transfer (which will resolve it), or already resolved.
      throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `hold ${pendingId} is not stranded`, {
        from: 'live',
        action: 'release',
      });
    }
    const voidId = derivedId('ledger-entry', 'release-stranded', pendingId);
    const audit = { pendingId, voidId, paymentId: hold.paymentId, transferId: hold.transferId, actor, note };
    await recordEntries(
      sql,
      [
        {
          kind: 'void_pending',
          id: voidId,
          pendingId,
          paymentId: hold.paymentId,
          transferId: hold.transferId,
          description: `stranded hold released by ${actor}`,
        },
      ],
      {
        inTransaction: async (tx) => {
          await insertHoldRelease(tx, audit);
          await recordAudit(tx, {
            actor: callerOf(actor),
            key: voidId,
            action: 'hold.released',
            resourceType: hold.paymentId ? 'payment' : 'transfer',
            resourceId: hold.paymentId ?? hold.transferId ?? pendingId,
            note,
            after: { pendingId, voidId },
          });
        },
      },
    );
    const release = await getHoldRelease(sql, pendingId);
    if (!release) throw new Error(`the release of ${pendingId} was not recorded`);
    return release;
  }

  return { list, release };
}

export type StrandedHoldRepairs = ReturnType<typeof createStrandedHoldRepairs>;
