import { Inject, Injectable } from '@nestjs/common';
import type { EventMetadata } from '@varde/core';
import { EventStore } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { AlertsQuery, type AlertFilter, type AlertHistoryEntry, type AlertStatus, type AlertView } from '../application/alerts.port';
import { alertStreamId, type AlertColour, type AlertEvent, type AlertOutcome } from '../domain/alert.events';

export type { AlertFilter, AlertHistoryEntry, AlertStatus, AlertView } from '../application/alerts.port';

type Row = {
  alert_id: string;
  patient_id: string;
  pathway_id: string;
  colour: AlertColour;
  status: AlertStatus;
  reasons: string[];
  assessment_id: string;
  raised_at: Date;
  acknowledge_by: Date | null;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  outcome: AlertOutcome | null;
  assignee: string | null;
  escalation_level: number;
  escalated_to: string | null;
};

const iso = (d: Date | null): string | null => d && d.toISOString();
const toView = (row: Row, now: Date): AlertView => ({
  id: row.alert_id,
  patientId: row.patient_id,
  pathwayId: row.pathway_id,
  colour: row.colour,
  status: row.status,
  reasons: row.reasons,
  assessmentId: row.assessment_id,
  raisedAt: row.raised_at.toISOString(),
  ageSeconds: Math.max(0, Math.floor((now.getTime() - row.raised_at.getTime()) / 1000)),
  acknowledgeBy: iso(row.acknowledge_by),
  acknowledgedAt: iso(row.acknowledged_at),
  resolvedAt: iso(row.resolved_at),
  outcome: row.outcome,
  assignee: row.assignee,
  escalationLevel: row.escalation_level,
  escalatedTo: row.escalated_to,
});

/** {@link AlertsQuery} over the alerts read model in PostgreSQL, and an alert's history from its stream. */
@Injectable()
export class PostgresAlertsQuery implements AlertsQuery {
  constructor(
    @Inject(DB_POOL) private readonly pool: pg.Pool,
    @Inject(EventStore) private readonly store: EventStore,
  ) {}

  /** Red before yellow, then the oldest first. */
  async list(filter: AlertFilter, now: Date): Promise<readonly AlertView[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM alerts
        WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR patient_id = $2) AND ($3::text IS NULL OR assignee = $3)
          AND ($5::text[] IS NULL OR patient_id IN (SELECT patient_id FROM worklist WHERE care_team = ANY($5::text[])) OR patient_id = ANY($6::text[]))
          AND NOT (patient_id = ANY($7::text[]))
        ORDER BY (colour = 'red') DESC, raised_at, alert_id
        LIMIT $4`,
      [filter.status ?? null, filter.patientId ?? null, filter.assignee ?? null, filter.limit, filter.careTeams ?? null, filter.scope?.include ?? [], filter.scope?.exclude ?? []],
    );
    return rows.map((row) => toView(row, now));
  }

  /** One alert, or undefined when there is none with that id. */
  async get(alertId: string, now: Date): Promise<AlertView | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM alerts WHERE alert_id = $1', [alertId]);
    return rows[0] && toView(rows[0], now);
  }

  /** Every step of the alert, oldest first, with its actor (from the event metadata). */
  async history(alertId: string): Promise<readonly AlertHistoryEntry[]> {
    const { events } = await this.store.readStream<AlertEvent & { metadata: EventMetadata }>(alertStreamId(alertId));
    return events.map((e) => ({ type: e.type, data: e.data, actor: e.metadata.actor, recordedAt: e.metadata.recordedTime }));
  }
}
