import { type Decider, type DomainCommand, IllegalStateError, measurementTypeOf, ResentWithOtherContentError, ValidationError } from '@varde/core';
import { contentDifferences, measurementContent } from './reading-content';
import { evolveMeasurement, initialMeasurementState, type MeasurementEvent, type MeasurementRecorded, type MeasurementState } from './measurement.events';
import { assessPlausibility } from './measurement-plausibility';

/** A panel part as received and in its canonical unit (converted by the application, which owns the UCUM library). */
export type ComponentInput = Readonly<{ code: string; value: number; unit: string; originalValue: number; originalUnit: string }>;

/**
 * Record one measurement as received and in its canonical unit (`value`/`unit`, converted before the
 * decider because conversion needs the UCUM library); `receivedTime` is the command's `now`.
 */
export type RecordMeasurement = DomainCommand<
  'RecordMeasurement',
  Omit<MeasurementRecorded['data'], 'receivedTime' | 'code' | 'flags' | 'components'> & { code: Readonly<{ system: string; code: string }>; components?: readonly ComponentInput[] }
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
      const { code, components, ...rest } = command.data;
      if (state.status === 'recorded') {
        if (state.patientId !== rest.patientId) throw new IllegalStateError('this identifier is already used by a measurement of another patient', 'identifier');
        const differences = contentDifferences(measurementContent(state), measurementContent(command.data));
        if (differences.length === 0) return [];
        throw new ResentWithOtherContentError('identifier', differences, 'measurement');
      }
      const type = measurementTypeOf(code.system, code.code, rest.unit);
      if (!type) throw ValidationError.field('code', `${code.system}|${code.code} is not a measurement type Varde records`);
      if (rest.unit !== type.canonicalUnit) throw ValidationError.field('unit', `expected the canonical unit "${type.canonicalUnit}"`);
      const plausibility = assessPlausibility(type, { value: rest.value, ...(components ? { components } : {}) });
      if (plausibility.issues.length > 0) throw new ValidationError(plausibility.issues);
      return [
        {
          type: 'MeasurementRecorded',
          data: {
            ...rest,
            code: { system: code.system, code: code.code, display: type.display },
            receivedTime: command.metadata.now,
            flags: plausibility.flags,
            ...(components
              ? { components: components.map((c) => ({ ...c, code: { system: code.system, code: c.code, display: type.components?.find((t) => t.code === c.code)?.display ?? c.code } })) }
              : {}),
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
