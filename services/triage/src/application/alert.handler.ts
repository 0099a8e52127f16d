import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, handleCommand } from '@varde/event-sourcing';
import { DB_POOL, EVENT_STORE } from '@varde/platform';
import type pg from 'pg';
import { alertDecider, type AlertCommand } from '../domain/alert.decide';
import { alertStreamId, type AlertEvent } from '../domain/alert.events';
import type { PatientTriaged } from '../domain/triage.events';
import { reasonTexts } from '../domain/triage-rules';
import { AlertsProjection, type Queryable } from '../infrastructure/alerts.projection';
import { ALERTS_CONFIG, redLimitFor, type AlertsConfig } from './alerts.config';
import { positioned, type PositionedEvent } from './positioned-event';

/** Commands on alert streams: load → decide → append, then the alerts read model. */
@Injectable()
export class AlertHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(DB_POOL) private readonly pool: pg.Pool,
    @Inject(AlertsProjection) private readonly projection: AlertsProjection,
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
  ) {}

  /**
   * Raises an alert when an assessment moved the patient to yellow or red, or turns the patient's unresolved
   * yellow alert red. `db` is the consumer's transaction, so the unresolved alert looked up and the row
   * written belong to the same commit as the processed message.
   */
  async onTriaged(db: Queryable, triaged: PatientTriaged, metadata: CommandMetadata): Promise<void> {
    const { colour, previousColour, patientId, pathwayId, assessmentId, reasons } = triaged.data;
    if (colour === 'green' || colour === previousColour) return;
    const { rows } = await db.query<{ alert_id: string }>(`SELECT alert_id FROM alerts WHERE patient_id = $1 AND status <> 'resolved' ORDER BY raised_at DESC LIMIT 1`, [patientId]);
    // A redelivered assessment finds no row if the first attempt rolled back, and derives the same id again.
    const alertId = rows[0]?.alert_id ?? deterministicId(`alert:${assessmentId}`);
    const command: AlertCommand = {
      type: 'RaiseAlert',
      data: { alertId, patientId, pathwayId, colour, reasons: reasonTexts(reasons), assessmentId, redAcknowledgeLimitSeconds: redLimitFor(this.config, pathwayId) },
      metadata: { ...metadata, commandId: deterministicId(`raise-alert:${assessmentId}`) },
    };
    await this.run(command, db);
  }

  /** Acknowledges, assigns, comments on, resolves or escalates an alert; answers the events written. */
  async handle(command: Exclude<AlertCommand, { type: 'RaiseAlert' }>): Promise<readonly PositionedEvent<AlertEvent>[]> {
    return this.run(command, this.pool);
  }

  private async run(command: AlertCommand, db: Queryable): Promise<readonly PositionedEvent<AlertEvent>[]> {
    const events = positioned(await handleCommand(this.store, alertStreamId(command.data.alertId), alertDecider, command));
    await this.projection.apply(db, events);
    return events;
  }
}
