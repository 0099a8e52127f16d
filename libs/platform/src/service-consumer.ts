import { integrationEventTypes, isIntegrationEventType, type IntegrationEvent, type IntegrationEventType } from '@varde/contracts';
import { deterministicId } from '@varde/event-sourcing';
import { startConsumer, type ConsumerContext, type DeliveredMessage, type Subscription } from '@varde/messaging';
import type { CommandMetadata } from '@varde/core';
import { secondsSince, type Infrastructure } from './infrastructure';

/** A typed handler of one integration event: the decoded protobuf message plus the envelope. */
export type TypedHandler<K extends IntegrationEventType> = (event: IntegrationEvent<K>, message: DeliveredMessage, context: ConsumerContext) => Promise<void>;

/** Handlers by integration event type. */
export type TypedHandlers = { [K in IntegrationEventType]?: TypedHandler<K> };

/**
 * What a consumer group subscribes to and how it handles each integration event type; `runs`: several messages
 * (a patient's backlog, or consecutive messages of any patients) may be handled in one transaction with a shared
 * run (see ConsumerOptions.runs); `background`: no person waits on this group's work (an audit timeline, an outbox,
 * a schedule's completions), so it gathers messages for up to {@link BACKGROUND_GATHER_MS} before handling them —
 * bigger runs, fewer fetches and commits under load (see SubscribeOptions.gatherMs).
 */
export type ConsumerDefinition = Readonly<{ group: string; topics: readonly string[]; handlers: TypedHandlers; runs?: 'per-patient' | 'across-patients'; background?: boolean }>;

/** How long a background group gathers messages before handling them. */
export const BACKGROUND_GATHER_MS = 200;

/**
 * Starts a consumer group of a service: decodes each integration event with its protobuf codec and hands it
 * to the typed handler, with idempotency, retries, dead letters, metrics and logs from the messaging runner.
 */
export function startServiceConsumer(infra: Infrastructure, options: ConsumerDefinition): Promise<Subscription> {
  const groupId = `${infra.config.service}.${options.group}`;
  const handlers = Object.fromEntries(
    Object.entries(options.handlers).map(([type, handler]) => {
      if (!isIntegrationEventType(type)) throw new Error(`Unknown integration event type ${type}`);
      const codec = integrationEventTypes[type];
      return [type, (message: DeliveredMessage, context: ConsumerContext) => (handler as TypedHandler<typeof type>)(codec.decode(message.payload) as never, message, context)];
    }),
  );
  return startConsumer({
    bus: infra.bus,
    pool: infra.pool,
    groupId,
    topics: options.topics,
    handlers,
    ...(options.runs ? { runs: options.runs } : {}),
    ...(options.background ? { gatherMs: BACKGROUND_GATHER_MS } : {}),
    logger: infra.logger,
    onOutcome: (message, outcome) => {
      if (outcome === 'ignored') return;
      infra.metrics.messagesConsumed.inc({ topic: message.topic, group: groupId, outcome });
      if (outcome === 'processed') infra.metrics.messageDelivery.observe({ topic: message.topic, group: groupId }, secondsSince(message.recordedTime, Date.now()));
    },
  });
}

/**
 * Metadata for a command a consumer issues because of an integration event. The command id is derived from
 * the event id and the consumer, so a redelivered event produces the same event ids and writes nothing new.
 */
export function commandMetadataFromMessage(message: DeliveredMessage, consumer: string, now: Date = new Date()): CommandMetadata {
  return {
    commandId: deterministicId(`${consumer}:${message.id}`),
    correlationId: message.correlationId,
    causationId: message.id,
    actor: { subject: `varde-${consumer.split('.')[0]}`, role: 'system' },
    now: now.toISOString(),
    effectiveTime: message.time,
    ...(message.traceparent ? { traceparent: message.traceparent } : {}),
    ...(message.tracestate ? { tracestate: message.tracestate } : {}),
  };
}
