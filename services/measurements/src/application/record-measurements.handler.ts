import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { EventStore, type StoredEvent, type StreamCommand, type Transaction } from '@varde/event-sourcing';
import { measurementDecider, type RecordMeasurement } from '../domain/measurement.decide';
import { measurementStreamId, type MeasurementRecorded } from '../domain/measurement.events';
import { viewOfStream, type MeasurementView } from './measurement.view';
import { MeasurementsProjection } from './measurements-projection.port';
import { decideAll } from './decide-all';
import { recordMeasurementCommand, type MeasurementInput, type RecordResult } from './record-measurement.command';

/** One measurement of {@link RecordMeasurementsHandler.recordAll}: recorded (or found recorded), or refused and why. */
export type MeasurementOutcome = Readonly<{ recorded: RecordResult } | { refused: unknown }>;

/**
 * Records measurements, one or many at once (a Bundle's), and checks a transaction Bundle's before it writes
 * any ({@link checkAll}). Each is decided as one alone would be — a resend returns the original and writes
 * nothing, the same identifier with other content is refused — but every stream is read in one query, and the new measurements are appended, events and read-model rows,
 * in one transaction: 500 measurements cost a handful of round trips and one commit instead of 500 of each.
 */
@Injectable()
export class RecordMeasurementsHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(MeasurementsProjection) private readonly projection: MeasurementsProjection,
  ) {}

  /**
   * Each input's outcome, in order. With `allOrNothing`, if any is refused nothing at all is written. With `tx`, the
   * measurements are written in that transaction (the caller's, which commits or rolls back with them).
   */
  async recordAll(inputs: readonly (readonly [MeasurementInput, CommandMetadata])[], allOrNothing: boolean, tx?: Transaction): Promise<MeasurementOutcome[]> {
    const commands = inputs.map(([input, metadata]): StreamCommand<RecordMeasurement> => {
      const command = recordMeasurementCommand(input, metadata);
      return [measurementStreamId(command.data.measurementId), command];
    });
    const outcomes = await (tx ? this.store.within(tx) : this.store).handleNewStreamCommands(measurementDecider, commands, {
      allOrNothing,
      // The rows commit with their events: the read model never lags behind a Bundle, nor shows one that failed.
      beforeCommit: (tx, created) => this.projection.apply(tx, created.map((events) => viewOfStream(events)).filter((v): v is MeasurementView => v !== undefined)),
    });
    return outcomes.map((outcome): MeasurementOutcome => {
      if (!outcome.accepted) return { refused: outcome.error };
      const measurement = outcome.streamEvents.find((e): e is StoredEvent<MeasurementRecorded> => e.type === 'MeasurementRecorded');
      if (!measurement) throw new Error('the measurement was not recorded');
      return { recorded: { measurement, created: outcome.appended.length > 0 } };
    });
  }

  /** Decides every input without appending (for an all-or-nothing transaction); returns each input's error. */
  checkAll(inputs: readonly (readonly [MeasurementInput, CommandMetadata])[]): Promise<(unknown | undefined)[]> {
    return decideAll(this.store, measurementDecider, inputs.map(([input, metadata]) => {
      const command = recordMeasurementCommand(input, metadata);
      return [measurementStreamId(command.data.measurementId), command] as const;
    }));
  }
}
