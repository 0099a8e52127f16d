import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, handleCommand, type StoredEvent } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { measurementDecider, type RecordMeasurement } from '../domain/measurement.decide';
import { measurementStreamId, type MeasurementEvent, type MeasurementRecorded } from '../domain/measurement.events';
import { decideAll } from './decide-all';

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

  /** Decides every input without appending (for an all-or-nothing transaction); returns each input's error. */
  checkAll(inputs: readonly (readonly [MeasurementInput, CommandMetadata])[]): Promise<(unknown | undefined)[]> {
    return decideAll(this.store, measurementDecider, inputs.map(([input, metadata]) => {
      const command = this.command(input, metadata);
      return [measurementStreamId(command.data.measurementId), command] as const;
    }));
  }

  private command(input: MeasurementInput, metadata: CommandMetadata): RecordMeasurement {
    return { type: 'RecordMeasurement', data: { ...input, measurementId: measurementIdOf(input) }, metadata };
  }
}
