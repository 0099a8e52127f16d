import { Inject, Injectable } from '@nestjs/common';
import { integrationEventTopic, integrationEventTypes, type IntegrationEventType } from '@varde/contracts';
import { actorOfMessage, type DeliveredMessage } from '@varde/messaging';
import { INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure, type TypedHandlers } from '@varde/platform';
import type pg from 'pg';
import { describeEvent, effectiveTimeOf } from '../../domain/audit/timeline-event';
import { timelineJson } from './timeline-json';

const TYPES = Object.keys(integrationEventTypes) as IntegrationEventType[];

/**
 * The auditor's timeline (ADR 0017): every integration event about a patient, from all five services' topics,
 * one row each, in the consumer's transaction (the runner's processed ids and `ON CONFLICT` make a redelivery
 * write nothing). A projection: emptied, it is filled again by reading the topics from the beginning.
 */
@Injectable()
export class AuditTimelineProjection extends IntegrationConsumer {
  constructor(@Inject(INFRASTRUCTURE) infra: Infrastructure) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    const handlers = Object.fromEntries(TYPES.map((type) => [type, (event: unknown, message: DeliveredMessage, context: { client: pg.PoolClient }) => this.apply(type, event, message, context.client)]));
    return { group: 'audit-timeline', topics: [...new Set(TYPES.map(integrationEventTopic))], handlers: handlers as TypedHandlers };
  }

  /** Stores one event of a patient's timeline: `event` is the message as the consumer decoded it. */
  async apply(type: IntegrationEventType, event: unknown, message: DeliveredMessage, client: pg.PoolClient): Promise<void> {
    const data = timelineJson(type, event);
    const patientId = typeof data.patientId === 'string' ? data.patientId : message.key;
    if (!patientId) return;
    await client.query(
      `INSERT INTO audit_timeline (event_id, patient_id, type, source, effective_time, recorded_time, correlation_id, causation_id, actor, summary, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (event_id) DO NOTHING`,
      [
        message.id,
        patientId,
        message.type,
        message.source,
        effectiveTimeOf(message.type, data, message.time),
        message.recordedTime,
        message.correlationId,
        message.causationId,
        JSON.stringify(actorOfMessage(message) ?? null),
        describeEvent(message.type, data),
        JSON.stringify(data),
      ],
    );
  }
}
