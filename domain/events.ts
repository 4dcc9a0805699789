import { ValidationError } from './errors';

/**
 * Event types (docs/webhooks.md). A type is `<aggregate>.<what happened>`; payment and
 * transfer types are the status the aggregate entered, in snake case.
 */
export const EVENT_TYPES = [
  'payment.draft',
  'payment.pending',
  'payment.posted',
  'payment.cancelled',
  /** A reversal of a Posted payment, whole or partial (the status stays Posted until all of it is reversed). */
  'payment.reversed',
  'transfer.pending_confirmation',
  'transfer.confirmed',
  'transfer.processing',
  'transfer.stuck',
  'transfer.completed',
  'transfer.failed',
  'transfer.cancelled',
  'transfer.expired',
  'transfer.received',
  'transfer.unrecognized',
  'transfer.returned',
  'account.opened',
  'account.blocked',
  'account.unblocked',
  'account.closed',
  'client.created',
  'client.updated',
  'client.blocked',
  'client.unblocked',
  'daily_check.failed',
  'webhook.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type AggregateType = 'payment' | 'transfer' | 'account' | 'client' | 'daily_check' | 'webhook_endpoint';

/** `PendingConfirmation` -> `pending_confirmation`: the status part of an event type. */
export function snakeStatus(status: string): string {
  return status.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The event a status change of an aggregate records, e.g. ('transfer', 'Completed') -> transfer.completed. */
export function statusEventType(aggregate: 'payment' | 'transfer', status: string): EventType {
  const type = `${aggregate}.${snakeStatus(status)}`;
  if (!(EVENT_TYPES as readonly string[]).includes(type)) throw new Error(`no event type for ${aggregate} status ${status}`);
  return type as EventType;
}

/** An exact type (`payment.posted`), a prefix with `.*` (`transfer.*`), or `*` (every type). */
const ONE_PATTERN = String.raw`\*|[a-z_]{1,40}\.\*|[a-z_]{1,40}\.[a-z_]{1,40}`;
/** At most this many patterns in one filter. */
export const MAX_EVENT_TYPE_PATTERNS = 50;
/** One pattern (an item of a webhook endpoint's `eventTypes`). */
export const EVENT_TYPE_PATTERN = new RegExp(`^(?:${ONE_PATTERN})$`);
/** A comma-separated list of patterns (the log's `types` query): what parseEventTypePatterns accepts. */
export const EVENT_TYPE_LIST_PATTERN = new RegExp(`^(?:${ONE_PATTERN})(?:,(?:${ONE_PATTERN})){0,${MAX_EVENT_TYPE_PATTERNS - 1}}$`);
const PATTERN = EVENT_TYPE_PATTERN;

/** Checks event type patterns (filters of the log and of webhook endpoints): 400 naming the field. */
export function parseEventTypePatterns(patterns: string[], field: string): string[] {
  if (patterns.length > MAX_EVENT_TYPE_PATTERNS) throw new ValidationError(`at most ${MAX_EVENT_TYPE_PATTERNS} event type patterns`, field);
  for (const pattern of patterns) {
    if (!PATTERN.test(pattern)) throw new ValidationError(`"${pattern}" is not an event type or a prefix with .*`, field);
  }
  return [...new Set(patterns)];
}

/** Whether a type matches one of the patterns (an empty list matches every type). */
export function matchesEventTypes(patterns: readonly string[], type: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/** Splits patterns into exact types and prefixes (`transfer.`), the two shapes SQL filters on. */
export function patternParts(patterns: readonly string[]): { all: boolean; exact: string[]; prefixes: string[] } {
  return {
    all: patterns.length === 0 || patterns.includes('*'),
    exact: patterns.filter((p) => !p.endsWith('*')),
    prefixes: patterns.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1)),
  };
}
