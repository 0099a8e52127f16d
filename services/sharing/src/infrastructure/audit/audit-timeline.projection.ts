import { Inject, Injectable } from '@nestjs/common';
import { integrationEventTopic, integrationEventTypes, isIntegrationEventType, type IntegrationEventType } from '@varde/contracts';
import { preparedStatement, type RebuildableProjection } from '@varde/event-sourcing';
import { actorOfMessage, type ConsumerContext, type DeliveredMessage, type MessageBus } from '@varde/messaging';
import { INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure, type TypedHandlers } from '@varde/platform';
import type pg from 'pg';
import { describeEvent, effectiveTimeOf } from '../../domain/audit/timeline-event';
import { timelineJson } from './timeline-json';

const TYPES = Object.keys(integrationEventTypes) as IntegrationEventType[];
const TOPICS = [...new Set(TYPES.map(integrationEventTopic))];

/**
 * The auditor's timeline (ADR 0017): every integration event about a patient, from all five services' topics,
 * one row each, in the consumer's transaction (the runner's processed ids and `ON CONFLICT` make a redelivery
 * write nothing). A projection: emptied, it is filled again by reading the topics from the beginning
 * ({@link auditTimelineRebuild}).
 */
@Injectable()
export class AuditTimelineProjection extends IntegrationConsumer {
  constructor(@Inject(INFRASTRUCTURE) infra: Infrastructure) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    // Every event of every service passes here: a run of many patients' messages is one transaction, its rows one insert.
    const handlers = Object.fromEntries(
      TYPES.map((type) => [
        type,
        (event: unknown, message: DeliveredMessage, context: ConsumerContext) => {
          const row = timelineRow(type, event, message);
          if (!row) return Promise.resolve();
          if (!context.run) return insertTimelineRows(context.client, [row]);
          context.run.shared('audit-timeline-rows', () => {
            const rows: TimelineRow[] = [];
            return { value: rows, finish: () => insertTimelineRows(context.client, rows) };
          }).push(row);
          return Promise.resolve();
        },
      ]),
    );
    return { group: 'audit-timeline', topics: TOPICS, handlers: handlers as TypedHandlers, runs: 'across-patients', background: true };
  }
}

/** One row of the timeline: the values of its columns, in {@link COLUMNS}' order. */
type TimelineRow = readonly unknown[];

/** The timeline's columns with their types, in the order of a {@link TimelineRow}. */
const COLUMNS = [
  ['event_id', 'text'],
  ['patient_id', 'text'],
  ['type', 'text'],
  ['source', 'text'],
  ['effective_time', 'timestamptz'],
  ['recorded_time', 'timestamptz'],
  ['correlation_id', 'text'],
  ['causation_id', 'text'],
  ['actor', 'jsonb'],
  ['summary', 'text'],
  ['data', 'jsonb'],
] as const;

/** The row of one event of a patient's timeline (`event` is the message's payload, decoded); undefined for an event about no patient. */
function timelineRow(type: IntegrationEventType, event: unknown, message: DeliveredMessage): TimelineRow | undefined {
  const data = timelineJson(type, event);
  const patientId = typeof data.patientId === 'string' ? data.patientId : message.key;
  if (!patientId) return undefined;
  return [
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
  ];
}

// A run's rows as one array per column: one prepared statement whatever the run's size (a VALUES list of 50 rows
// was 550 parameters, parsed and planned again for every run: 5.3 ms per run of 50 under the Bundle load).
const INSERT_ROWS = preparedStatement(`INSERT INTO audit_timeline (${COLUMNS.map(([name]) => name).join(', ')})
  SELECT * FROM unnest(${COLUMNS.map(([, type], c) => `$${c + 1}::${type}[]`).join(', ')})
  ON CONFLICT (event_id) DO NOTHING`);

/** Inserts rows in one statement; a redelivered event's row is there already and stays as it is. */
async function insertTimelineRows(client: pg.ClientBase, rows: readonly TimelineRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query({ ...INSERT_ROWS, values: COLUMNS.map((_, c) => rows.map((row) => row[c])) });
}

/** Stores one event of a patient's timeline: `event` is the message's payload, decoded. */
export async function storeTimelineEvent(client: pg.ClientBase, type: IntegrationEventType, event: unknown, message: DeliveredMessage): Promise<void> {
  const row = timelineRow(type, event, message);
  if (row) await insertTimelineRows(client, [row]);
}

/**
 * The timeline rebuilt from the logs it is a projection of: emptied, and refilled in one transaction (see
 * `rebuildProjection`) from every integration topic read from its beginning on `bus` — the same rows the live consumer
 * writes. What `npm run rebuild -- --service sharing --projection audit-timeline` runs; the audit test compares the
 * two.
 */
export function auditTimelineRebuild(bus: Pick<MessageBus, 'readAll'>): RebuildableProjection {
  return {
    tables: ['audit_timeline'],
    refill: async (tx, onProgress) => {
      let read = 0;
      for (const topic of TOPICS) {
        for (const message of await bus.readAll(topic)) {
          read += 1;
          const event = decoded(message);
          if (event) await storeTimelineEvent(tx, event.type, event.payload, message);
        }
        onProgress(read);
      }
      return read;
    },
  };
}

// A message the live consumer could not decode went to the dead-letter topic and made no row: the rebuild skips it too.
function decoded(message: DeliveredMessage): { type: IntegrationEventType; payload: unknown } | undefined {
  if (!isIntegrationEventType(message.type)) return undefined;
  try {
    return { type: message.type, payload: integrationEventTypes[message.type].decode(message.payload) };
  } catch {
    return undefined;
  }
}
