import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, EventStore, handleCommand, Transactions, type Transaction } from '@varde/event-sourcing';
import { alertDecider, type AlertCommand } from '../domain/alert.decide';
import { alertStreamId, type AlertEvent } from '../domain/alert.events';
import type { PatientTriaged } from '../domain/triage.events';
import { reasonTexts } from '../domain/triage-rules';
import { ALERTS_CONFIG, redLimitFor, type AlertsConfig } from './alerts.config';
import { AlertsProjection } from './alerts.port';
import { positioned, type PositionedEvent } from './positioned-event';

/** Commands on alert streams: load → decide → append, then the alerts read model. */
@Injectable()
export class AlertHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(AlertsProjection) private readonly projection: AlertsProjection,
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
  ) {}

  /**
   * Raises an alert when an assessment moved the patient to yellow or red, or turns the patient's unresolved
   * yellow alert red. `tx` is the consumer's transaction, so the unresolved alert looked up and the row
   * written belong to the same commit as the processed message.
   */
  async onTriaged(tx: Transaction, triaged: PatientTriaged, metadata: CommandMetadata): Promise<void> {
    const { colour, previousColour, patientId, pathwayId, assessmentId, reasons } = triaged.data;
    if (colour === 'green' || colour === previousColour) return;
    // A redelivered assessment finds no row if the first attempt rolled back, and derives the same id again.
    const alertId = (await this.projection.unresolvedAlertOf(tx, patientId)) ?? deterministicId(`alert:${assessmentId}`);
    const command: AlertCommand = {
      type: 'RaiseAlert',
      data: { alertId, patientId, pathwayId, colour, reasons: reasonTexts(reasons), assessmentId, redAcknowledgeLimitSeconds: redLimitFor(this.config, pathwayId) },
      metadata: { ...metadata, commandId: deterministicId(`raise-alert:${assessmentId}`) },
    };
    await this.projection.apply(tx, await this.run(command));
  }

  /** Acknowledges, assigns, comments on, resolves or escalates an alert; answers the events written. */
  async handle(command: Exclude<AlertCommand, { type: 'RaiseAlert' }>): Promise<readonly PositionedEvent<AlertEvent>[]> {
    const events = await this.run(command);
    await this.transactions.run((tx) => this.projection.apply(tx, events));
    return events;
  }

  private async run(command: AlertCommand): Promise<readonly PositionedEvent<AlertEvent>[]> {
    return positioned(await handleCommand(this.store, alertStreamId(command.data.alertId), alertDecider, command));
  }
}
