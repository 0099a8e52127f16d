import type { RecordedEvent } from '@varde/event-sourcing';
import { serviceTopic, type IntegrationMessage } from './message-bus';

/** Builds the integration message for a domain event, carrying the event's ids, times and trace context over. */
export function integrationMessageFor(
  service: string,
  event: RecordedEvent,
  integration: Readonly<{ type: string; key: string; payload: Uint8Array }>,
): IntegrationMessage {
  const m = event.metadata;
  return {
    id: m.messageId,
    type: integration.type,
    source: `varde/${service}`,
    topic: serviceTopic(service),
    key: integration.key,
    time: m.effectiveTime,
    recordedTime: m.recordedTime,
    correlationId: m.correlationId,
    causationId: m.causationId,
    ...(m.traceparent ? { traceparent: m.traceparent } : {}),
    ...(m.tracestate ? { tracestate: m.tracestate } : {}),
    payload: integration.payload,
  };
}
