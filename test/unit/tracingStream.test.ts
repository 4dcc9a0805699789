import { TRACE_HEADER as SDK_TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import { describe, expect, it } from 'vitest';
import { TRACE_HEADER } from '../../workflows/tracingStream';

describe('the workflow interceptors', () => {
  it('read and pass on the trace context in the header the OpenTelemetry interceptors write', () => {
    expect(TRACE_HEADER).toBe(SDK_TRACE_HEADER);
  });
});
