import type { Actor } from '@varde/core';
import type { RecordedEvent } from '@varde/event-sourcing';
import { serviceTopic, type IntegrationMessage } from './message-bus';

/**
 * CloudEvents extension attributes naming who caused the event (the domain event's actor), as Kafka headers:
 * auditors' timelines (issue #22) show the person, role, organisation and on-behalf-of of every event, also for
 * events whose payload names nobody (a measurement, a triage decision, a task).
 */
const actorHeaders = { subject: 'ce_actorsubject', role: 'ce_actorrole', organisation: 'ce_actororganisation', onBehalfOf: 'ce_actoronbehalfof', hprNumber: 'ce_actorhprnumber' } as const;

/** Builds the integration message for a domain event, carrying the event's ids, times, actor and trace context over. */
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
    ...(m.actor ? { headers: encodeActor(m.actor) } : {}),
    payload: integration.payload,
  };
}

function encodeActor(actor: Actor): Record<string, string> {
  const headers: Record<string, string> = { [actorHeaders.subject]: actor.subject, [actorHeaders.role]: actor.role };
  if (actor.organisation) headers[actorHeaders.organisation] = actor.organisation;
  if (actor.onBehalfOf) headers[actorHeaders.onBehalfOf] = actor.onBehalfOf;
  if (actor.hprNumber) headers[actorHeaders.hprNumber] = actor.hprNumber;
  return headers;
}

/** Who caused the event of a message, from its actor headers; undefined for a message without them (published before they existed, or by another producer). */
export function actorOfMessage(message: Pick<IntegrationMessage, 'headers'>): Readonly<{ subject: string; role: string; organisation?: string; onBehalfOf?: string; hprNumber?: string }> | undefined {
  const headers = message.headers ?? {};
  const subject = headers[actorHeaders.subject];
  const role = headers[actorHeaders.role];
  if (subject === undefined || role === undefined) return undefined;
  const organisation = headers[actorHeaders.organisation];
  const onBehalfOf = headers[actorHeaders.onBehalfOf];
  const hprNumber = headers[actorHeaders.hprNumber];
  return { subject, role, ...(organisation ? { organisation } : {}), ...(onBehalfOf ? { onBehalfOf } : {}), ...(hprNumber ? { hprNumber } : {}) };
}
