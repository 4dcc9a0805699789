import { type Attributes, context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import type { Sql } from '../ledger/db';
import { currentTracing } from './tracing';

/**
 * A span per SQL statement. postgres.js has no OpenTelemetry instrumentation, and every statement
 * of the process, on the pool, in a transaction (`sql.begin`) or on a reserved connection, is a
 * `Query` that runs when it is first awaited (`Query.prototype.handle`) and ends when the
 * connection calls its `resolve` or `reject`. Wrapping `handle` there, once, spans them all
 * without touching the ledger or the stores.
 *
 * A statement gets a span only inside a trace (an HTTP request, an activity) and only when spans
 * are exported: the SQL spans are leaves, nothing propagates from them. Parameters are never
 * recorded (amounts, names, IBANs); the statement text with its $n placeholders is.
 */
interface TracedQuery {
  executed: boolean;
  strings: readonly string[];
  /** The statement as sent, set by the connection once built. */
  string?: string;
  resolve: (value: unknown) => unknown;
  reject: (error: unknown) => unknown;
}

const MAX_QUERY_TEXT = 2_000;
const tracer = trace.getTracer('corebank-postgres');
let serverAttributes: Attributes = {};
let patched = false;

/** The statement's first keyword and the table it names first, for the span name. */
export function describeStatement(text: string): { operation: string; table?: string } {
  const operation = /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  const table = /\b(?:FROM|INTO|UPDATE|JOIN)\s+("?[A-Za-z_][A-Za-z0-9_]*"?(?:\."?[A-Za-z_][A-Za-z0-9_]*"?)?)/i
    .exec(text)?.[1]
    ?.replaceAll('"', '');
  return table ? { operation, table } : { operation };
}

function shouldTrace(): boolean {
  if (!currentTracing()?.exporting) return false;
  return trace.getSpan(context.active())?.isRecording() ?? false;
}

function startSpan(query: TracedQuery) {
  const { operation, table } = describeStatement(query.strings.join(' '));
  const span = tracer.startSpan(
    table ? `${operation} ${table}` : operation,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        ...serverAttributes,
        [ATTR_DB_OPERATION_NAME]: operation,
        ...(table ? { [ATTR_DB_COLLECTION_NAME]: table } : {}),
      },
    },
    context.active(),
  );
  const finish = (error?: unknown) => {
    if (query.string) span.setAttribute(ATTR_DB_QUERY_TEXT, query.string.slice(0, MAX_QUERY_TEXT));
    if (error !== undefined) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string') span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, code);
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    span.end();
  };
  const { resolve, reject } = query;
  query.resolve = (value) => {
    finish();
    return resolve(value);
  };
  query.reject = (error) => {
    finish(error);
    return reject(error);
  };
}

/** Spans every statement of postgres.js in this process (once; the first instance names the server). */
export function instrumentPostgres(sql: Sql): Sql {
  const options = sql.options as unknown as { host?: string[]; port?: number[]; database?: string };
  serverAttributes = {
    [ATTR_DB_SYSTEM_NAME]: 'postgresql',
    ...(options.database ? { [ATTR_DB_NAMESPACE]: options.database } : {}),
    ...(options.host?.[0] ? { [ATTR_SERVER_ADDRESS]: options.host[0] } : {}),
    ...(options.port?.[0] ? { [ATTR_SERVER_PORT]: options.port[0] } : {}),
  };
  if (patched) return sql;
  // A query object that is never awaited, so never sent: only its prototype is wanted.
  const prototype = Object.getPrototypeOf(sql`SELECT 1`) as { handle?: (this: TracedQuery, ...args: unknown[]) => unknown };
  const handle = prototype.handle;
  if (typeof handle !== 'function')
    throw new Error('postgres.js changed: Query.prototype.handle is gone; update observability/postgres.ts');
  prototype.handle = function tracedHandle(this: TracedQuery, ...args: unknown[]) {
    if (!this.executed && shouldTrace()) startSpan(this);
    return handle.apply(this, args);
  };
  patched = true;
  return sql;
}
