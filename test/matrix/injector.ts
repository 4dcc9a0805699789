import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { businessFailure } from '../../contract/failures';
import { DomainError, ErrorCode } from '../../domain/errors';

/** One call site of a workflow: the nth call (from 1) of an activity in one run. */
export interface Site {
  activity: string;
  occurrence: number;
}

export const siteName = (site: Site) => `${site.activity}#${site.occurrence}`;

/**
 * How a step fails for good, as the workflow sees it:
 * - refused: the ledger's or a rule's non-retryable refusal (a business failure with a code);
 * - poison: what an activity's bug or bad configuration becomes (activities/failures.ts: VALIDATION_ERROR);
 * - gaveUp: a technical failure with the retry budget spent (an ActivityFailure without a code);
 * - lost: the step's effect happened and its answer was lost (retried, so it runs twice).
 */
export const FAILURES = ['refused', 'poison', 'gaveUp', 'lost'] as const;
export type Failure = (typeof FAILURES)[number];

/** What changes in the world just before the step runs. */
export type WorldChange = 'blockClient' | 'blockAccount' | 'closeRecipient';
export const WORLD_CHANGES: readonly WorldChange[] = ['blockClient', 'blockAccount', 'closeRecipient'];

export type Kind = Failure | WorldChange;

export interface Injection {
  site: Site;
  kind: Kind;
  /** For a world change: makes it; false when it does not apply (the account cannot close, say). */
  change?: () => Promise<boolean>;
  /** Set when the site was reached (and, for a world change, whether it applied). */
  reached?: boolean;
  applied?: boolean;
}

type AnyActivity = (...args: any[]) => Promise<unknown>;

/**
 * Wraps every activity of the worker: records the sites each workflow run calls (attempt 1 of each
 * call counts), and makes the one step a run is armed with fail, or changes the world before it.
 * Runs are told apart by workflow id, so many run at once.
 */
export class Injector {
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly injections = new Map<string, Injection>();
  private readonly sites = new Map<string, Site[]>();

  arm(workflowId: string, injection: Injection): void {
    this.injections.set(workflowId, injection);
  }

  /** The sites a run called, in order. */
  sitesOf(workflowId: string): Site[] {
    return this.sites.get(workflowId) ?? [];
  }

  wrap<T extends Record<string, AnyActivity>>(activities: T): T {
    const wrapped: Record<string, AnyActivity> = {};
    for (const [name, fn] of Object.entries(activities)) wrapped[name] = (...args) => this.call(name, fn, args);
    return wrapped as T;
  }

  private async call(activity: string, fn: AnyActivity, args: unknown[]): Promise<unknown> {
    const { workflowExecution, attempt } = Context.current().info;
    const workflowId = workflowExecution?.workflowId ?? '';
    const counts = this.counts.get(workflowId) ?? new Map<string, number>();
    this.counts.set(workflowId, counts);
    const first = attempt === 1;
    const occurrence = (counts.get(activity) ?? 0) + (first ? 1 : 0);
    if (first) {
      counts.set(activity, occurrence);
      this.sites.set(workflowId, [...this.sitesOf(workflowId), { activity, occurrence }]);
    }
    const injection = this.injections.get(workflowId);
    if (!first || !injection || injection.site.activity !== activity || injection.site.occurrence !== occurrence) return fn(...args);
    injection.reached = true;
    switch (injection.kind) {
      case 'refused':
        throw businessFailure(new DomainError(ErrorCode.ACCOUNT_NOT_ACTIVE, `injected at ${activity}: refused for good`));
      case 'poison':
        throw businessFailure(new DomainError(ErrorCode.VALIDATION_ERROR, `injected at ${activity}: the input cannot be processed`));
      case 'gaveUp':
        throw ApplicationFailure.create({ message: `injected at ${activity}: the retry budget is spent`, nonRetryable: true });
      case 'lost':
        await fn(...args);
        throw new Error(`injected at ${activity}: the answer was lost`);
      default:
        injection.applied = (await injection.change?.()) ?? false;
        return fn(...args);
    }
  }
}
