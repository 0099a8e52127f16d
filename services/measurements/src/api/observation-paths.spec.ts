import { describe, expect, it } from 'vitest';
import { IllegalStateError, NotFoundError, ResentWithOtherContentError, UnprocessableError, ValidationError } from '@varde/core';
import { observationPaths } from './observation-paths';

describe('observationPaths: the domain speaks its own field names, an Observation client reads FHIR paths', () => {
  it('names each field by its element, list positions kept', () => {
    expect(observationPaths('value')).toBe('Observation.valueQuantity.value');
    expect(observationPaths('components[1].value')).toBe('Observation.component[1].valueQuantity.value');
    expect(observationPaths('samples.unit')).toBe('Observation.valueSampledData.origin.code');
  });

  it('leaves a name it does not know, and a FHIR path, as it is', () => {
    for (const field of ['reason', 'Observation.valueQuantity.value', 'Bundle.entry[3].resource.valueQuantity.value', 'constructor']) expect(observationPaths(field)).toBe(field);
  });

  it('answers a refused resend as before: the identifier by its path, what differs within the Observation', () => {
    const refusal = observationPaths.refusal(new ResentWithOtherContentError('identifier', [{ field: 'effectiveTime', change: '"a" → "b"' }, { field: 'value', change: '81 → 82' }, { field: 'components', change: 'absent → []' }], 'measurement'));
    expect(refusal).toBeInstanceOf(ResentWithOtherContentError);
    expect((refusal as Error).message).toBe(
      'Observation.identifier: this identifier was already recorded with different content (effectiveDateTime: "a" → "b"; valueQuantity.value: 81 → 82; component: absent → []); send a new identifier for a new measurement',
    );
  });

  it('renames the issues of a validation error and the field of a refusal, keeping their kind and text', () => {
    const invalid = observationPaths.refusal(new ValidationError([{ field: 'components[0].value', message: 'Systolic must be from 0 to 300 mm[Hg]' }, { field: 'effectiveTime', message: 'is more than 300 s in the future' }])) as ValidationError;
    expect(invalid.issues.map((i) => i.field)).toEqual(['Observation.component[0].valueQuantity.value', 'Observation.effectiveDateTime']);
    expect(invalid.message).toBe('Observation.component[0].valueQuantity.value: Systolic must be from 0 to 300 mm[Hg]; Observation.effectiveDateTime: is more than 300 s in the future');
    const conflict = observationPaths.refusal(new IllegalStateError('the measurement already has the value 93 %; nothing to correct', 'value')) as IllegalStateError;
    expect([conflict.kind, conflict.message]).toEqual(['illegal-state', 'Observation.valueQuantity.value: the measurement already has the value 93 %; nothing to correct']);
    expect((observationPaths.refusal(new UnprocessableError('code', 'unknown')) as Error).message).toBe('Observation.code: unknown');
  });

  it('names the measurement a refusal is about as the Observation it is, keeping kind and reason', () => {
    const gone = observationPaths.refusal(IllegalStateError.about({ thing: 'measurement', id: 'm-1' }, 'is already entered-in-error; record a new measurement instead')) as IllegalStateError;
    expect([gone.kind, gone.message]).toEqual(['illegal-state', 'Observation/m-1 is already entered-in-error; record a new measurement instead']);
    expect((observationPaths.refusal(NotFoundError.about({ thing: 'measurement', id: 'm-2' }, 'does not exist')) as Error).message).toBe('Observation/m-2 does not exist');
    expect((observationPaths.refusal(IllegalStateError.about({ thing: 'gateway', id: 'g-1' }, 'is not assigned')) as Error).message).toBe('gateway g-1 is not assigned');
  });

  it('keeps what names no field, and what is not a typed error, as it is', () => {
    const plain = new IllegalStateError('a panel cannot be amended');
    const notFound = new NotFoundError('Observation/x does not exist');
    const other = new Error('boom');
    expect([observationPaths.refusal(plain), observationPaths.refusal(notFound), observationPaths.refusal(other)]).toEqual([plain, notFound, other]);
    expect(observationPaths.refusal(plain)).toBe(plain);
  });
});
