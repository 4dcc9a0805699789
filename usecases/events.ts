import { NotFoundError } from '../domain/errors';
import { parseEventTypePatterns, patternParts } from '../domain/events';
import { encodeCursor, type Page, type PageRequest } from '../domain/paging';
import { type EventRow, getEvent, listEvents, sequenceEvents } from '../ledger/events';
import type { UseCaseDeps } from './deps';

export interface EventQuery {
  /** Exact types or prefixes with `.*` (domain/events.ts). */
  types?: string[];
  clientId?: string;
  aggregateId?: string;
}

/**
 * The event log, oldest first. Events get their position after they commit (ledger/events.ts
 * sequenceEvents), which this runs before it reads, so the page holds everything committed so far.
 * `nextCursor` is the position of the page's last event whenever the page has events, also when
 * it is not full: the log grows, and a reader keeps that cursor to ask for what comes next (an
 * empty page answers null, and the reader asks again with the cursor it had).
 */
export function createEventUseCases({ sql }: Pick<UseCaseDeps, 'sql'>) {
  async function list(query: EventQuery, page: PageRequest): Promise<Page<EventRow>> {
    const types = query.types === undefined ? undefined : patternParts(parseEventTypePatterns(query.types, 'types'));
    await sequenceEvents(sql);
    const rows = await listEvents(sql, { types, clientId: query.clientId, aggregateId: query.aggregateId }, page);
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: last?.position ? encodeCursor(last.position) : null };
  }

  async function get(eventId: string): Promise<EventRow> {
    const event = await getEvent(sql, eventId);
    if (!event) throw new NotFoundError('event', eventId);
    return event;
  }

  return { list, get };
}
