import { Inject, Injectable } from '@nestjs/common';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import type { AlertEvent } from '../domain/alert.events';
import type { Transaction } from '@varde/event-sourcing';
import { AlertsProjection, type OverdueAlert } from '../application/alerts.port';
import type { PositionedEvent } from '../application/positioned-event';

/**
 * {@link AlertsProjection} in PostgreSQL. The alerts read model: one row per alert with its current status, deadline and timings (for the list,
 * the worklist's open alert, the escalation scheduler and the figures). Rebuildable from the alert streams.
 */
@Injectable()
export class PostgresAlertsProjection implements AlertsProjection {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {}

  async apply(db: Transaction, events: readonly PositionedEvent<AlertEvent>[]): Promise<void> {
    for (const { event, streamPosition } of events) {
      const position = streamPosition.toString();
      const update = (set: string, values: readonly unknown[]) =>
        db.query(`UPDATE alerts SET ${set}, stream_position = $2 WHERE alert_id = $1 AND stream_position < $2`, [event.data.alertId, position, ...values]);
      switch (event.type) {
        case 'AlertRaised': {
          const d = event.data;
          await db.query(
            `INSERT INTO alerts (alert_id, patient_id, pathway_id, colour, raised_colour, status, reasons, assessment_id, raised_at, raised_by_role, acknowledge_by, stream_position)
             VALUES ($1, $2, $3, $4, $4, 'open', $5, $6, $7, $8, $9, $10) ON CONFLICT (alert_id) DO NOTHING`,
            [d.alertId, d.patientId, d.pathwayId, d.colour, JSON.stringify(d.reasons), d.assessmentId, d.raisedAt, event.metadata.actor.role, d.acknowledgeBy, position],
          );
          break;
        }
        case 'AlertSeverityRaised':
          await update(`colour = $3, status = 'open', reasons = $4, acknowledge_by = $5`, [event.data.colour, JSON.stringify(event.data.reasons), event.data.acknowledgeBy]);
          break;
        case 'AlertAcknowledged':
          // The first acknowledgement counts for time-to-acknowledge; a red upgrade later does not reset it.
          await update(`status = 'acknowledged', acknowledge_by = NULL, acknowledged_at = coalesce(acknowledged_at, $3)`, [event.data.acknowledgedAt]);
          break;
        case 'AlertAssigned':
          await update('assignee = $3', [event.data.assignee]);
          break;
        case 'AlertCommented':
          // Comments live in the stream (the alert's history); only the position moves on.
          await update('status = status', []);
          break;
        case 'AlertEscalated':
          await update('escalation_level = $3, escalated_to = $4, acknowledge_by = $5', [event.data.level, event.data.target, event.data.acknowledgeBy]);
          break;
        case 'AlertResolved':
          await update(`status = 'resolved', acknowledge_by = NULL, resolved_at = $3, outcome = $4`, [event.data.resolvedAt, event.data.outcome]);
          break;
        default: {
          const _exhaustive: never = event;
        }
      }
    }
  }

  async unresolvedAlertOf(tx: Transaction, patientId: string): Promise<string | undefined> {
    const { rows } = await tx.query<{ alert_id: string }>(`SELECT alert_id FROM alerts WHERE patient_id = $1 AND status <> 'resolved' ORDER BY raised_at DESC LIMIT 1`, [patientId]);
    return rows[0]?.alert_id;
  }

  async overdue(now: Date, limit: number): Promise<readonly OverdueAlert[]> {
    const { rows } = await this.pool.query<{ alert_id: string; pathway_id: string; escalation_level: number }>(
      `SELECT alert_id, pathway_id, escalation_level FROM alerts WHERE status = 'open' AND colour = 'red' AND acknowledge_by <= $1 ORDER BY acknowledge_by LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map((r) => ({ alertId: r.alert_id, pathwayId: r.pathway_id, escalationLevel: r.escalation_level }));
  }
}
