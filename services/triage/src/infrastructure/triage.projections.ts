import type { DomainEvent } from '@varde/core';
import type { RebuildableProjection, RecordedEvent } from '@varde/event-sourcing';
import type pg from 'pg';
import type { PositionedEvent } from '../application/positioned-event';
import type { AlertEvent } from '../domain/alert.events';
import type { TriageEvent } from '../domain/triage.events';
import { PostgresAlertsProjection } from './alerts.projection';
import { PostgresTriageHistoryProjection, TRIAGE_HISTORY_EVENT_TYPES } from './triage-history.projection';
import { PostgresWorklistProjection, WORKLIST_EVENT_TYPES } from './worklist.projection';

const ALERT_EVENTS: readonly AlertEvent['type'][] = ['AlertRaised', 'AlertSeverityRaised', 'AlertAcknowledged', 'AlertAssigned', 'AlertCommented', 'AlertEscalated', 'AlertResolved'];

/** Events as the live projections receive them: each with its stream position. */
const positioned = <E extends DomainEvent>(events: readonly RecordedEvent<DomainEvent>[]): PositionedEvent<E>[] =>
  events.map((event) => ({ event: event as unknown as RecordedEvent<E>, streamPosition: event.metadata.streamPosition }));

/**
 * Triage's read models that `npm run rebuild -- --service triage --projection <name>` drops and rebuilds from the
 * event log, each through the same code that writes it live, replaying the event types its projection declares.
 */
export function triageProjections(pool: pg.Pool): Readonly<Record<string, RebuildableProjection>> {
  const worklist = new PostgresWorklistProjection();
  const alerts = new PostgresAlertsProjection(pool);
  const history = new PostgresTriageHistoryProjection(pool);
  return {
    worklist: { tables: ['worklist'], eventTypes: WORKLIST_EVENT_TYPES, apply: (tx, events) => worklist.apply(tx, positioned<TriageEvent>(events)) },
    alerts: { tables: ['alerts'], eventTypes: ALERT_EVENTS, apply: (tx, events) => alerts.apply(tx, positioned<AlertEvent>(events)) },
    'triage-history': {
      tables: ['triage_patients', 'triage_inputs'],
      eventTypes: TRIAGE_HISTORY_EVENT_TYPES,
      apply: (tx, events) => history.apply(tx, positioned<TriageEvent>(events)),
    },
  };
}
