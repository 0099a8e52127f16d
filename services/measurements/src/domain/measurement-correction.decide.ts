import { type Decider, type DomainCommand, IllegalStateError, measurementTypeOf, type Subject, ValidationError } from '@varde/core';
import { evolveMeasurement, initialMeasurementState, type MeasurementCorrected, type MeasurementEnteredInError, type MeasurementHistoryEvent, type MeasurementState } from './measurement.events';
import { assessPlausibility } from './measurement-plausibility';

/** Amend a measurement's value (in its canonical unit) with a reason; the actor comes from the metadata. */
export type CorrectMeasurement = DomainCommand<'CorrectMeasurement', { measurementId: string; value: number; unit: string; reason: string }>;

/** Mark a measurement as entered in error with a reason; the actor comes from the metadata. */
export type MarkEnteredInError = DomainCommand<'MarkEnteredInError', { measurementId: string; reason: string }>;

/** The correction commands of the measurement decider. */
export type CorrectionCommand = CorrectMeasurement | MarkEnteredInError;

/**
 * Decides a correction. Invalid without a reason (ValidationError, as every command with a reason in Varde); refused (nothing written) when there is nothing to correct, when the measurement is
 * already entered in error, or when an amendment would not change the value.
 */
export function decideCorrection(command: CorrectionCommand, state: MeasurementState): (MeasurementCorrected | MeasurementEnteredInError)[] {
  const measurement: Subject = { thing: 'measurement', id: command.data.measurementId };
  if (state.status !== 'recorded') throw IllegalStateError.about(measurement, 'does not exist, so it cannot be corrected');
  if (state.lifecycle === 'entered-in-error') throw IllegalStateError.about(measurement, 'is already entered-in-error; record a new measurement instead');
  const reason = command.data.reason.trim();
  if (!reason) throw ValidationError.field('reason', 'required: why the measurement is corrected');
  const { subject, role, organisation } = command.metadata.actor;
  const note = { reason, actor: { subject, role, ...(organisation ? { organisation } : {}) }, correctedTime: command.metadata.now };
  const about = { measurementId: state.measurementId, patientId: state.patientId, code: state.code, effectiveTime: state.effectiveTime };
  switch (command.type) {
    case 'CorrectMeasurement': {
      const { value, unit } = command.data;
      // Panels carry one value per component; amending only the headline value would leave them inconsistent.
      if (state.components && state.components.length > 0) throw new IllegalStateError('a panel cannot be amended; mark it entered-in-error and record it again');
      // A wrong unit is invalid input (400), as it is when a measurement is recorded, not a conflict with its state.
      if (unit !== state.unit) throw ValidationError.field('unit', `a correction must be given in "${state.unit}"`);
      const type = measurementTypeOf(state.code.system, state.code.code, unit);
      if (type) {
        // The same physical limits as at ingestion: a correction cannot bring in an impossible value.
        const plausibility = assessPlausibility(type, { value });
        if (plausibility.issues.length > 0) throw new ValidationError(plausibility.issues);
      }
      if (value === state.value) throw new IllegalStateError(`the measurement already has the value ${value} ${unit}; nothing to correct`, 'value');
      return [{ type: 'MeasurementCorrected', data: { ...about, value, unit, originalValue: value, originalUnit: unit, previousValue: state.value, previousUnit: state.unit, ...note } }];
    }
    case 'MarkEnteredInError':
      return [{ type: 'MeasurementEnteredInError', data: { ...about, ...note } }];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

/** The correction decider: the same stream, state and evolve as the recording decider. */
export const measurementCorrectionDecider: Decider<CorrectionCommand, MeasurementState, MeasurementHistoryEvent> = {
  decide: decideCorrection,
  evolve: evolveMeasurement,
  initialState: initialMeasurementState,
};
