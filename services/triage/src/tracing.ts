import { startTracing } from '@varde/telemetry';

/** Started before anything else is loaded, so http, grpc, pg and kafkajs get instrumented. */
export const tracing = startTracing({ service: 'triage' });
