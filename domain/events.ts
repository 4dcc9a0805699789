import { ValidationError } from './errors';

/**
 * Event types (API.md "Events and webhooks"). A type is `<aggregate>.<what happened>`; payment and
 * transfer types are the status the aggregate entered, in snake case.
 */
export const EVENT_TYPES = [
  'payment.draft',
  'payment.pending',
  'payment.posted',
  'payment.cancelled',
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
const PATTERN = /^(\*|[a-z_]{1,40}\.\*|[a-z_]{1,40}\.[a-z_]{1,40})$/;

/** Checks event type patterns (filters of the log and of webhook endpoints): 400 naming the field. */
export function parseEventTypePatterns(patterns: string[], field: string): string[] {
  if (patterns.length > 50) throw new ValidationError('at most 50 event type patterns', field);
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
