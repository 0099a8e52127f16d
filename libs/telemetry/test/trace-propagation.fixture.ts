// Run as its own process by tracing.int.spec.ts: tracing must start before `http` is first required, which a
// vitest worker cannot promise. Prints the finished spans as one JSON line.
import type { IncomingMessage } from 'node:http';
import { currentTraceContext, startTracing, withTraceContext } from '../src';

const tracing = startTracing({ service: 'fixture', exporter: 'memory' });
// Required only now, after the instrumentation is in place, exactly as a service's main.ts must do.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const http = require('node:http') as typeof import('node:http');

const REMOTE_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

async function main(): Promise<void> {
  const server = http.createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(currentTraceContext()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const serverContext = await new Promise<string>((resolve, reject) => {
    http
      .get(`http://127.0.0.1:${port}/fhir/Observation?identifier=urn:oid:2.16.578.1.12.4.1.4.1%7C01019012345`, (response: IncomingMessage) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
  server.close();

  const relayedContext = await withTraceContext({ traceparent: REMOTE_TRACEPARENT }, 'relay publish', async () => currentTraceContext());
  const failure = await withTraceContext({ traceparent: REMOTE_TRACEPARENT }, 'consume failing', async () => {
    throw new Error('no consent for 01019012345');
  }).catch((error: Error) => error.message);

  const spans = tracing.getFinishedSpans().map((span) => ({
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    serviceName: span.resource.attributes['service.name'],
    attributes: span.attributes,
    status: span.status,
    events: span.events.map((event) => event.attributes),
  }));
  await tracing.shutdown();
  process.stdout.write(`${JSON.stringify({ spans, serverContext: JSON.parse(serverContext), relayedContext, failure })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
