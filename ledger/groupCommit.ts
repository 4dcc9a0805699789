import type { Sql, TransactionSql } from './db';
import { isMovement } from './entryRules';
import { isRetryable, retryingTransient } from './facts';
import type { JournalEntry } from './types';
import { type Unit, type UnitResult, writeUnits } from './units';

/** A read model written in the ledger's transaction (journal.ts `RecordOptions.inTransaction`). */
export type InTransaction = (tx: TransactionSql, entries: JournalEntry[]) => Promise<unknown>;

/** The most units one group carries: bounds the transaction's locks and its statements' size. */
const MAX_GROUP = 500;

/** What group commit did in this process: tests prove a path ran with it, the bench reports it. */
export interface GroupCommitStats {
  /** Groups committed, and the units they carried. */
  groups: number;
  units: number;
  /**
   * Groups that could not commit as they were: a member whose read model failed was written alone
   * and the rest grouped again, or (any other failure) every member was written alone.
   */
  fallbacks: number;
}

const stats: GroupCommitStats = { groups: 0, units: 0, fallbacks: 0 };

export const groupCommitStats = (): GroupCommitStats => ({ ...stats });

interface Waiting {
  unit: Unit;
  inTransaction: InTransaction | undefined;
  /** The unit's own write, for when the group it joined cannot commit. */
  alone: () => Promise<JournalEntry[]>;
  resolve: (entries: JournalEntry[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for busy accounts. An account every transfer touches (settlement, fees, a
 * merchant) serialises its writers on its row lock, held from the first UPDATE to the commit's
 * WAL flush; one posting at a time it caps the bank at a few hundred postings a second. So a write
 * whose account this process is already writing does not queue on the lock: it waits for that
 * write and goes with everyone else who arrived meanwhile, in one transaction (units.ts
 * `writeUnits`: one lock, one commit, a fixed number of statements for the group). A write to
 * accounts nobody here is writing goes straight through, so a quiet ledger pays nothing.
 *
 * Each unit keeps the answer of its own write: refused units are refused alone, and a read model
 * written in the transaction (`inTransaction`) commits with its unit. When a read model fails, its
 * caller's unit is written on its own (so the failure reaches only that caller) and the others are
 * grouped again; when a group cannot commit for any other reason, every unit is written on its own.
 */
export class AccountLanes {
  /** Accounts this process is writing now, each with the units waiting for that write. */
  private readonly lanes = new Map<string, Waiting[]>();

  constructor(private readonly sql: Sql) {}

  async record(unit: Unit, inTransaction: InTransaction | undefined, alone: () => Promise<JournalEntry[]>): Promise<JournalEntry[]> {
    const accounts = movementAccounts(unit);
    const busy = accounts.find((account) => this.lanes.has(account));
    if (busy !== undefined) {
      return new Promise((resolve, reject) => this.lanes.get(busy)?.push({ unit, inTransaction, alone, resolve, reject }));
    }
    for (const account of accounts) this.lanes.set(account, []);
    try {
      return await alone();
    } finally {
      for (const account of accounts) void this.drain(account);
    }
  }

  /** Those who waited for the account's write go next, together; then those who came meanwhile. */
  private async drain(account: string): Promise<void> {
    for (;;) {
      const waiting = this.lanes.get(account) ?? [];
      if (waiting.length === 0) {
        this.lanes.delete(account);
        return;
      }
      const group = waiting.splice(0, MAX_GROUP);
      await this.commit(group);
    }
  }

  private async commit(group: Waiting[]): Promise<void> {
    let results: UnitResult[];
    try {
      results = await this.writeGroup(group);
    } catch (error) {
      stats.fallbacks += 1;
      if (error instanceof ReadModelFailed && group.length > 1) {
        // One caller's read model refused (a transfer over its limit, say): that caller gets the
        // answer of its own write, and the others commit together again without it.
        const failing = group[error.member] as Waiting;
        await failing.alone().then(failing.resolve, failing.reject);
        return this.commit(group.filter((member) => member !== failing));
      }
      for (const member of group) await member.alone().then(member.resolve, member.reject);
      return;
    }
    stats.groups += 1;
    stats.units += group.length;
    results.forEach((result, i) => {
      const member = group[i] as Waiting;
      if (result.ok) member.resolve(result.entries);
      else member.reject(result.error);
    });
  }

  private writeGroup(group: Waiting[]): Promise<UnitResult[]> {
    return retryingTransient('group', () =>
      this.sql.begin(async (tx) => {
        const results = await writeUnits(
          tx,
          group.map((member) => member.unit),
        );
        for (const [i, result] of results.entries()) {
          const member = group[i] as Waiting;
          // Like a write of its own: a repeat does not write its read model again.
          if (!result.ok || result.replayed || !member.inTransaction) continue;
          try {
            await member.inTransaction(tx, result.entries);
          } catch (error) {
            if (isRetryable(error)) throw error;
            throw new ReadModelFailed(i);
          }
        }
        return results;
      }),
    );
  }
}

/** The read model of the group's member at this index failed; the group rolled back. */
class ReadModelFailed extends Error {
  constructor(readonly member: number) {
    super(`the read model of group member ${member} failed`);
  }
}

function movementAccounts(unit: Unit): string[] {
  const ids = unit.filter(isMovement).flatMap((m) => [m.debitAccountId, m.creditAccountId]);
  return [...new Set(ids)];
}

const lanesOfPool = new WeakMap<Sql, AccountLanes>();

/** The lanes of one connection pool: every write through the pool shares them. */
export function accountLanes(sql: Sql): AccountLanes {
  let lanes = lanesOfPool.get(sql);
  if (!lanes) {
    lanes = new AccountLanes(sql);
    lanesOfPool.set(sql, lanes);
  }
  return lanes;
}
