import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, handleCommand, type StoredEvent } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { measurementDecider, type RecordMeasurement } from '../domain/measurement.decide';
import { measurementStreamId, type MeasurementEvent, type MeasurementRecorded, type MeasurementState } from '../domain/measurement.events';

/** A validated measurement, as the HTTP edge hands it over (the id is chosen here). */
export type MeasurementInput = Omit<RecordMeasurement['data'], 'measurementId'>;

/** The stored measurement and whether this call recorded it. */
export type RecordResult = Readonly<{ measurement: StoredEvent<MeasurementRecorded>; created: boolean }>;

/**
 * The measurement id: from the sender's identifier when there is one (a gateway resending a reading lands on
 * the same stream), otherwise a hash of what identifies a reading — patient, code, effective time, value and
 * unit as received (and components), device — so an unidentified resend lands there too.
 */
export function measurementIdOf(input: MeasurementInput): string {
  if (input.identifier) return deterministicId(`measurement:${input.identifier.system}|${input.identifier.value}`);
  const parts = [input.patientId, input.code.system, input.code.code, input.effectiveTime, input.originalValue, input.originalUnit, input.provenance.deviceId ?? '', input.provenance.device?.serial ?? ''];
  const components = (input.components ?? []).map((c) => `${c.code}=${c.originalValue} ${c.originalUnit}`).join(',');
  return deterministicId(`measurement-content:${JSON.stringify([...parts, components])}`);
}

/** Records one measurement; a resend returns the original and writes nothing; the same id with other content is refused. */
@Injectable()
export class RecordMeasurementHandler {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  async handle(input: MeasurementInput, metadata: CommandMetadata): Promise<RecordResult> {
    const command = this.command(input, metadata);
    const stream = measurementStreamId(command.data.measurementId);
    const result = await handleCommand(this.store, stream, measurementDecider, command);
    const events = result.events.length > 0 ? result.events : (await this.store.readStream<StoredEvent<MeasurementEvent>>(stream)).events;
    const measurement = events.find((e): e is StoredEvent<MeasurementRecorded> => e.type === 'MeasurementRecorded');
    if (!measurement) throw new Error('the measurement was not recorded');
    return { measurement, created: result.events.length > 0 && !result.alreadyHandled };
  }

  /**
   * Decides every input without appending, against the streams as they are now and against the earlier
   * inputs of the same call, so a transaction can refuse all before writing any. Returns each input's error.
   */
  async checkAll(inputs: readonly (readonly [MeasurementInput, CommandMetadata])[]): Promise<(unknown | undefined)[]> {
    const states = new Map<string, MeasurementState>();
    const errors: (unknown | undefined)[] = [];
    for (const [input, metadata] of inputs) {
      const command = this.command(input, metadata);
      const id = command.data.measurementId;
      let state = states.get(id);
      if (!state) {
        const { events } = await this.store.readStream<StoredEvent<MeasurementEvent>>(measurementStreamId(id));
        state = events.reduce((s, e) => measurementDecider.evolve(s, e), measurementDecider.initialState());
      }
      try {
        const decided = measurementDecider.decide(command, state);
        states.set(id, (Array.isArray(decided) ? decided : [decided]).reduce((s, e) => measurementDecider.evolve(s, e), state));
        errors.push(undefined);
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }

  private command(input: MeasurementInput, metadata: CommandMetadata): RecordMeasurement {
    return { type: 'RecordMeasurement', data: { ...input, measurementId: measurementIdOf(input) }, metadata };
  }
}
