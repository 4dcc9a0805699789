import assert from 'node:assert/strict';
import { LedgerBusyError } from './databaseTrouble';
import type { Sql } from './db';
import { type AtomicWrite, decideInTransaction, type InTransaction, ReadModelFailed } from './decision';
import { isMovement } from './entryRules';
import type { JournalEntry } from './types';

/** The most writes one group carries: bounds the transaction's locks and its statements' size. */
const MAX_GROUP = 500;

/**
 * The most writes that may wait for one busy account in this process (ten groups). Past it a
 * write is refused at once with LedgerBusyError, which is retryable: an activity retries it under
 * its policy, the API answers 503 with Retry-After. A queue without a bound would hold an
 * overloaded process's memory and callers' deadlines hostage instead of pushing back.
 */
export const MAX_WAITING_PER_ACCOUNT = 5_000;

/** What group commit did in this process: tests prove a path ran with it, the bench reports it. */
export interface GroupCommitStats {
  /** Groups committed, and the writes they carried. */
  groups: number;
  writes: number;
  /**
   * Groups that could not commit as they were: a member whose read model failed was written alone
   * and the rest grouped again, or (any other failure) every member was written alone.
   */
  fallbacks: number;
  /** Writes refused because the queue of their busy account was full. */
  refusedBusy: number;
}

const stats: GroupCommitStats = { groups: 0, writes: 0, fallbacks: 0, refusedBusy: 0 };

export const groupCommitStats = (): GroupCommitStats => ({ ...stats });

interface Waiting {
  write: AtomicWrite;
  inTransaction: InTransaction | undefined;
  /** The write on its own, for when the group it joined cannot commit. */
  alone: () => Promise<JournalEntry[]>;
  resolve: (entries: JournalEntry[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for busy accounts. An account every transfer touches (settlement, fees, a
 * merchant) serialises its writers on its row lock, held from the first UPDATE to the commit's
 * WAL flush; one posting at a time it caps the bank at a few hundred postings a second. So a write
 * whose account this process is already writing does not queue on the lock: it waits for that
 * write and goes with everyone else who arrived meanwhile, in one transaction (decision.ts
 * `decideAndWrite`: one lock, one commit, a fixed number of statements for the group). A write to
 * accounts nobody here is writing goes straight through, so a quiet ledger pays nothing.
 *
 * Each write keeps the answer it would get alone: refused writes are refused alone, and a read
 * model written in the transaction (`inTransaction`) commits with its write. When a read model
 * fails, its caller's write is written on its own (so the failure reaches only that caller) and
 * the others are grouped again; when a group cannot commit for any other reason, every write is
 * written on its own.
 */
export class AccountLanes {
  /** Accounts this process is writing now, each with the writes waiting for that write. */
  private readonly lanes = new Map<string, Waiting[]>();

  constructor(
    private readonly sql: Sql,
    private readonly maxWaiting = MAX_WAITING_PER_ACCOUNT,
  ) {}

  async record(
    write: AtomicWrite,
    inTransaction: InTransaction | undefined,
    alone: () => Promise<JournalEntry[]>,
  ): Promise<JournalEntry[]> {
    const accounts = movementAccounts(write);
    const busy = accounts.find((account) => this.lanes.has(account));
    if (busy !== undefined) {
      const waiting = this.lanes.get(busy) as Waiting[];
      if (waiting.length >= this.maxWaiting) {
        stats.refusedBusy += 1;
        throw new LedgerBusyError(`${waiting.length} writes already wait for account ${busy}`);
      }
      return new Promise((resolve, reject) => waiting.push({ write, inTransaction, alone, resolve, reject }));
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

  /**
   * Commits a group, each member answered. A member whose read model fails is written alone and
   * the group tried again without it: at most one round per member, so the loop ends.
   */
  private async commit(group: Waiting[]): Promise<void> {
    let members = group;
    while (members.length > 0) {
      try {
        const outcomes = await decideInTransaction(this.sql, members, 'group');
        assert(outcomes.length === members.length, `${members.length} members, ${outcomes.length} outcomes`);
        stats.groups += 1;
        stats.writes += members.length;
        outcomes.forEach((outcome, i) => {
          const member = members[i] as Waiting;
          if (outcome.ok) member.resolve(outcome.entries);
          else member.reject(outcome.error);
        });
        return;
      } catch (error) {
        stats.fallbacks += 1;
        if (!(error instanceof ReadModelFailed) || members.length === 1) {
          for (const member of members) await member.alone().then(member.resolve, member.reject);
          return;
        }
        // One caller's read model refused (a transfer over its limit, say): that caller gets the
        // answer of its own write, and the others commit together again without it.
        const failing = members[error.index] as Waiting;
        await failing.alone().then(failing.resolve, failing.reject);
        members = members.filter((member) => member !== failing);
      }
    }
  }
}

function movementAccounts(write: AtomicWrite): string[] {
  const ids = write.filter(isMovement).flatMap((m) => [m.debitAccountId, m.creditAccountId]);
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
