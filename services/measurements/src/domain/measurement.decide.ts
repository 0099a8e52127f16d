import { IllegalStateError, type Decider, type DomainCommand } from '@varde/core';
import { evolveMeasurement, initialMeasurementState, type MeasurementEvent, type MeasurementRecorded, type MeasurementState } from './measurement.events';
import { measurementTypeOf, toCanonical } from './measurement-codes';

/** Record one measurement as received; `receivedTime` is the command's `now`. */
export type RecordMeasurement = DomainCommand<
  'RecordMeasurement',
  Omit<MeasurementRecorded['data'], 'value' | 'unit' | 'receivedTime' | 'code'> & { code: Readonly<{ system: string; code: string }> }
>;

/** Every command of the measurement decider. */
export type MeasurementCommand = RecordMeasurement;

/**
 * Records a measurement in its canonical unit. A measurement id that already exists (a device resending the
 * same identifier) changes nothing; the same identifier for another patient is refused, never merged.
 */
export function decideMeasurement(command: MeasurementCommand, state: MeasurementState): MeasurementEvent[] {
  switch (command.type) {
    case 'RecordMeasurement': {
      const { code, originalValue, originalUnit, ...rest } = command.data;
      if (state.status === 'recorded') {
        if (state.patientId === rest.patientId) return [];
        throw new IllegalStateError('Observation.identifier: this identifier is already used by a measurement of another patient');
      }
      const type = measurementTypeOf(code.system, code.code);
      if (!type) throw new IllegalStateError(`Observation.code: ${code.system}|${code.code} is not a measurement type Varde records`);
      const canonical = toCanonical(type, originalValue, originalUnit);
      return [
        {
          type: 'MeasurementRecorded',
          data: {
            ...rest,
            code: { system: code.system, code: code.code, display: type.display },
            value: canonical.value,
            unit: canonical.unit,
            originalValue,
            originalUnit,
            receivedTime: command.metadata.now,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = command.type;
      return [];
    }
  }
}

/** The measurement decider. */
export const measurementDecider: Decider<MeasurementCommand, MeasurementState, MeasurementEvent> = {
  decide: decideMeasurement,
  evolve: evolveMeasurement,
  initialState: initialMeasurementState,
};
