import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';

interface PrintedSpan {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  serviceName: string;
  attributes: Record<string, unknown>;
  status: { code: SpanStatusCode; message?: string };
  events: Record<string, unknown>[];
}

interface FixtureOutput {
  spans: PrintedSpan[];
  serverContext: { traceparent?: string };
  relayedContext: { traceparent?: string };
  failure: string;
}

const REMOTE_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const REMOTE_SPAN_ID = '00f067aa0ba902b7';
const repoRoot = resolve(__dirname, '../../..');

// The fixture runs in a fresh process: a vitest worker has loaded `http` long before any test could
// start tracing, which is the very mistake startTracing's contract forbids.
async function runFixture(): Promise<FixtureOutput> {
  const env = { ...process.env };
  delete env['OTEL_TRACES_EXPORTER'];
  delete env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-r', '@swc-node/register', 'libs/telemetry/test/trace-propagation.fixture.ts'],
    { cwd: repoRoot, env, timeout: 30_000 },
  );
  return JSON.parse(stdout) as FixtureOutput;
}

describe('tracing', () => {
  let output: FixtureOutput;
  beforeAll(async () => {
    output = await runFixture();
  });

  it('puts an HTTP client call and the server that handled it in one trace', () => {
    const client = output.spans.find((span) => span.kind === SpanKind.CLIENT);
    const server = output.spans.find((span) => span.kind === SpanKind.SERVER);

    expect(client).toBeDefined();
    expect(server?.traceId).toBe(client?.traceId);
    expect(server?.parentSpanId).toBe(client?.spanId);
    expect(server?.serviceName).toBe('varde-fixture');
    // Inside the handler, currentTraceContext() yields what the event store will keep in event metadata.
    expect(output.serverContext.traceparent).toBe(`00-${server?.traceId}-${server?.spanId}-01`);
  });

  it('masks national identity numbers in span attributes before export', () => {
    const printed = JSON.stringify(output.spans);

    expect(printed).not.toContain('01019012345');
    expect(output.spans.find((span) => span.kind === SpanKind.SERVER)?.attributes['http.target']).toBe(
      '/fhir/Observation?identifier=urn:oid:2.16.578.1.12.4.1.4.1%7C***********',
    );
  });

  it('continues a trace from a stored traceparent with withTraceContext', () => {
    const relay = output.spans.find((span) => span.name === 'relay publish');

    expect(relay?.traceId).toBe(REMOTE_TRACE_ID);
    expect(relay?.parentSpanId).toBe(REMOTE_SPAN_ID);
    expect(output.relayedContext.traceparent).toBe(`00-${REMOTE_TRACE_ID}-${relay?.spanId}-01`);
  });

  it('marks the span failed and rethrows when the traced work throws', () => {
    const failed = output.spans.find((span) => span.name === 'consume failing');

    expect(output.failure).toBe('no consent for 01019012345');
    expect(failed?.traceId).toBe(REMOTE_TRACE_ID);
    expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no consent for ***********' });
    expect(failed?.events[0]?.['exception.message']).toBe('no consent for ***********');
  });
});
