import {
  context,
  propagation,
  type Attributes,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { maskNationalIds } from './log-scrubber';

/** Where finished spans go: an OTLP/HTTP collector, memory (tests) or nowhere. */
export type TraceExporterKind = 'otlp' | 'memory' | 'none';

/** Options for {@link startTracing}. */
export interface TracingOptions {
  /** Short service name, e.g. `measurements`; the resource becomes `service.name=varde-measurements`. */
  readonly service: string;
  /** Overrides `OTEL_TRACES_EXPORTER`; without either, `otlp` when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, else `none`. */
  readonly exporter?: TraceExporterKind;
}

/** Handle on the running tracer. */
export interface Tracing {
  /** Flushes pending spans and removes every patch, so tracing can be started again in the same process. */
  shutdown(): Promise<void>;
  /** Spans finished so far; always empty unless the exporter is `memory`. */
  getFinishedSpans(): ReadableSpan[];
}

/** W3C trace context as stored in event metadata (`EventMetadata` fits as is) and message headers. */
export interface TraceCarrier {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** Options for {@link withTraceContext}. */
export interface TraceSpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
}

const TRACER_NAME = '@varde/telemetry';
// Probes and scrapes arrive every few seconds and would drown the traces people look for.
const UNTRACED_PATHS = ['/metrics', '/health'];

let running: Tracing | undefined;

/**
 * Starts tracing for this process. Call it before NestJS, pg, kafkajs or @grpc/grpc-js are first required:
 * the instrumentations patch those modules as they load.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (running) throw new Error('Tracing is already started in this process; call shutdown() first.');
  const exporterKind = resolveExporter(options.exporter);
  if (exporterKind === 'none') return { shutdown: async () => undefined, getFinishedSpans: () => [] };

  const memory = exporterKind === 'memory' ? new InMemorySpanExporter() : undefined;
  // Tests read spans the moment they end; production batches them off the request path.
  const processor: SpanProcessor = memory ? new SimpleSpanProcessor(memory) : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: `varde-${options.service}` })),
    // The masking processor runs first, so the exporter only ever sees masked attributes.
    spanProcessors: [new NationalIdMaskingSpanProcessor(), processor],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });

  const instrumentations = [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.some((path) => request.url?.startsWith(path) === true),
    }),
    new GrpcInstrumentation(),
    // Without a parent, pg spans would be the relay's and projections' polling queries, one trace each.
    new PgInstrumentation({ requireParentSpan: true }),
    new KafkaJsInstrumentation(),
  ];

  const handle: Tracing = {
    async shutdown() {
      instrumentations.forEach((instrumentation) => instrumentation.disable());
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
      running = undefined;
    },
    getFinishedSpans: () => memory?.getFinishedSpans() ?? [],
  };
  running = handle;
  return handle;
}

/** The active trace context as W3C headers, to store in event metadata or put on an outgoing message. */
export function currentTraceContext(): TraceCarrier {
  const carrier: { traceparent?: string; tracestate?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * Runs `fn` inside a new span that continues the trace in `carrier` (or the active one when the carrier is
 * empty). Used where no instrumentation carries the context for us: our relay and the PostgreSQL-log consumer.
 */
export async function withTraceContext<T>(
  carrier: TraceCarrier | undefined,
  name: string,
  fn: (span: Span) => Promise<T> | T,
  options: TraceSpanOptions = {},
): Promise<T> {
  const parent = propagation.extract(context.active(), carrier ?? {});
  const span = trace.getTracer(TRACER_NAME).startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * A trace backend is one more place people read, so spans obey the same rule as logs: URLs with
 * `?identifier=...`, error messages and exception events lose their identity numbers before export.
 */
class NationalIdMaskingSpanProcessor implements SpanProcessor {
  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    maskAttributes(span.attributes);
    span.events.forEach((event) => event.attributes && maskAttributes(event.attributes));
    if (span.status.message) (span.status as { message?: string }).message = maskNationalIds(span.status.message);
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}

function maskAttributes(attributes: Attributes): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === 'string') (attributes as Record<string, unknown>)[key] = maskNationalIds(value);
  }
}

function resolveExporter(requested: TraceExporterKind | undefined): TraceExporterKind {
  if (requested) return requested;
  const fromEnv = process.env['OTEL_TRACES_EXPORTER']?.trim();
  if (fromEnv) {
    if (fromEnv === 'otlp' || fromEnv === 'memory' || fromEnv === 'none') return fromEnv;
    throw new Error(`OTEL_TRACES_EXPORTER="${fromEnv}" is not supported; use otlp, memory or none.`);
  }
  return process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ? 'otlp' : 'none';
}
