import { beforeAll, describe, expect, it } from 'vitest';
import { indexR4Definitions, MAX_ELEMENT_LENGTH, r4Issues } from './r4-validation';

const observation = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-12-01',
  valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  ...extra,
});
const fields = (resource: Record<string, unknown>): string[] => r4Issues(resource).map((i) => i.field);

// Indexing the R4 definitions takes a second or two, longer on a busy machine.
beforeAll(() => void indexR4Definitions(), 60_000);

describe('R4 structural validation', () => {
  it('accepts every element R4 defines on an Observation, with extensions on any element', () => {
    const rich = observation({
      meta: { source: 'urn:device:scale', profile: ['http://hl7.org/fhir/StructureDefinition/vitalsigns'], tag: [{ system: 'urn:t', code: 'x' }] },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">72.5 kg</div>' },
      extension: [{ url: 'http://hl7.no/fhir/StructureDefinition/no-basis-measurement-context', valueString: 'home' }],
      identifier: [{ system: 'urn:uuid:gw', value: 'r-1', extension: [{ url: 'urn:e', valueBoolean: true }] }],
      basedOn: [{ reference: 'CarePlan/c1' }],
      partOf: [{ reference: 'Procedure/p1' }],
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }, { system: 'http://snomed.info/sct', code: '27113001' }], text: 'Body weight' },
      _effectiveDateTime: { extension: [{ url: 'urn:precision', valueCode: 'day' }] },
      issued: '2026-12-01T08:00:00+01:00',
      performer: [{ reference: 'Patient/p1' }],
      interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N' }] }],
      note: [{ text: 'after breakfast' }],
      bodySite: { text: 'left arm' },
      method: { text: 'scale' },
      device: { reference: '#scale' },
      contained: [{ resourceType: 'Device', id: 'scale', manufacturer: 'Acme' }],
      referenceRange: [{ low: { value: 50, system: 'http://unitsofmeasure.org', code: 'kg' } }],
      hasMember: [{ reference: 'Observation/o2' }],
      derivedFrom: [{ reference: 'Observation/o3' }],
    });
    expect(r4Issues(rich)).toEqual([]);
  });

  it.each([
    ['YYYY', '2026'],
    ['YYYY-MM', '2026-12'],
    ['YYYY-MM-DD', '2026-12-01'],
    ['a date-time with zone', '2026-12-01T08:00:00+01:00'],
  ])('accepts an effectiveDateTime of %s', (_, value) => expect(r4Issues(observation({ effectiveDateTime: value }))).toEqual([]));

  it.each([
    ['a string in valueQuantity.value', { valueQuantity: { value: '72.5', system: 'http://unitsofmeasure.org', code: 'kg' } }, 'Observation.valueQuantity.value'],
    ['month 13', { effectiveDateTime: '2026-13-01' }, 'Observation.effectiveDateTime'],
    ['year 0', { effectiveDateTime: '0000-01-01T00:00:00Z' }, 'Observation.effectiveDateTime'],
    ['an element R4 does not define', { unknownElement: 1 }, 'Observation.unknownElement'],
    ['two value[x]', { valueString: 'heavy' }, 'Observation.valueString'],
    ['two effective[x]', { effectivePeriod: { start: '2026-12-01' } }, 'Observation.effectivePeriod'],
    ['a modifier extension', { modifierExtension: [{ url: 'urn:not-really', valueBoolean: true }] }, 'Observation.modifierExtension[0]'],
    ['a modifier extension deep inside', { component: [{ code: { text: 'x' }, valueString: 'y', modifierExtension: [{ url: 'urn:m', valueBoolean: true }] }] }, 'Observation.component[0].modifierExtension[0]'],
    ['a contained resource referenced from nowhere', { contained: [{ resourceType: 'Device', id: 'lost' }] }, 'Observation.contained[0]'],
    ['a lone UTF-16 surrogate', { identifier: [{ system: 'urn:x', value: 'x\ud800' }] }, 'Observation.identifier[0].value'],
    ['a megabyte identifier', { identifier: [{ system: 'urn:x', value: 'x'.repeat(1_000_000) }] }, 'Observation.identifier[0].value'],
    ['a megabyte system', { identifier: [{ system: `urn:${'x'.repeat(1_000_000)}`, value: 'v' }] }, 'Observation.identifier[0].system'],
    ['a megabyte unit', { valueQuantity: { value: 1, unit: 'k'.repeat(1_000_000), system: 'http://unitsofmeasure.org', code: 'kg' } }, 'Observation.valueQuantity.unit'],
    ['a megabyte coding.display', { code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'd'.repeat(1_000_000) }] } }, 'Observation.code.coding[0].display'],
  ])('refuses %s, naming the element', (_, change, field) => {
    expect(fields(observation(change))).toContain(field);
  });

  it('keeps strings up to the documented limit', () => {
    expect(r4Issues(observation({ identifier: [{ system: 'urn:x', value: 'x'.repeat(MAX_ELEMENT_LENGTH['Identifier.value']!) }] }))).toEqual([]);
    expect(r4Issues(observation({ identifier: [{ system: 'urn:x', value: 'x🙂' }] }))).toEqual([]);
    // Free text and samples keep R4's own bound.
    expect(r4Issues(observation({ note: [{ text: 'n'.repeat(100_000) }] }))).toEqual([]);
    expect(r4Issues(observation({ valueQuantity: undefined, valueSampledData: { origin: { value: 0 }, period: 1000, dimensions: 1, data: '95 '.repeat(86_400).trim() } }))).toEqual([]);
  });

  it('validates resources inside a Bundle and contained ones too', () => {
    const bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ resource: observation({ valueString: 'x' }), request: { method: 'POST', url: 'Observation' } }] };
    expect(fields(bundle)).toEqual(['Bundle.entry[0].resource.valueString']);
  });

  it('counts a canonical "#id" as referencing a contained resource (dom-3), e.g. an item\'s answerValueSet', () => {
    const valueSet = { resourceType: 'ValueSet', id: 'symptoms', status: 'active', compose: { include: [{ system: 'urn:x', concept: [{ code: 'a' }] }] } };
    const questionnaire = (answerValueSet: string) => ({ resourceType: 'Questionnaire', status: 'draft', contained: [valueSet], item: [{ linkId: 'q', type: 'choice', answerValueSet }] });
    expect(r4Issues(questionnaire('#symptoms'))).toEqual([]);
    expect(fields(questionnaire('#other'))).toEqual(['Questionnaire.contained[0]']);
  });
});
