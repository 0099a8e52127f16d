import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Logger } from '@varde/telemetry';
import { r4Issues } from '@varde/fhir';
import { FhirStructureValidator, TEMPLATE_CACHE_SIZE } from './fhir-structure-validator';
import { observationTemplate } from './observation-template';

const validator = new FhirStructureValidator({ info: () => undefined } as unknown as Logger);
const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });
const quantity = (value: unknown) => ({ value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' });

// Values of each element a template replaces: mostly FHIR-valid ones, sometimes one medplum refuses (wrong JSON
// type, whitespace, an impossible date, null), so that about half the resources are well-formed and a refused one
// usually has a single bad value.
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) => fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: invalid });
const dateTime = mostly(
  fc.oneof(
    fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom('2026-11-22', '2026-11', '2026-11-22T08:00:00+01:00', '2026-11-22T08:00:00.123456789Z'),
  ),
  fc.constantFrom('2026-13-01', '0000-01-01', '2026-11-22T24:00:00Z', '2026-11-22T08:00', ' ', '', 'yesterday', 20261122, null),
);
const decimal = mostly(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, '95', null, true));
const text = mostly(fc.string({ minLength: 1 }).filter((s) => s.trim() !== '' && /^[\r\n\t\u0020-\uFFFF]+$/.test(s)), fc.constantFrom('', '   ', '\u0001', 42, null, 'x\ud800', '\udc00y', 'x'.repeat(5000)));
const patient = fc.oneof(fc.uuid().map((id) => `Patient/${id}`), fc.constantFrom('#p', 'Group/g1', 'Patient/', 'Practitioner/x', 42));
const device = fc.oneof(fc.constantFrom('Device/d1', 'Device/d-2.3', '#dev', '#other', 'Patient/p', 'Device/'), fc.constant(undefined));

const observation = fc
  .record(
    {
      identifier: fc.array(fc.record({ system: fc.constantFrom('urn:gateway', 'urn:other'), value: text }), { maxLength: 2 }),
      code: fc.constantFrom(loinc('2708-6'), loinc('85354-9'), { text: 'no coding' }),
      status: fc.constantFrom('final', 'amended'),
      effectiveDateTime: dateTime,
      valueQuantity: decimal.map(quantity),
      component: fc.array(fc.record({ code: fc.constant(loinc('8480-6')), valueQuantity: decimal.map(quantity) }), { maxLength: 2 }),
      subject: patient.map((reference) => ({ reference })),
      device: device.map((reference) => (reference === undefined ? {} : { reference })),
      contained: fc.constant([{ resourceType: 'Device', id: 'dev' }]),
    },
    { requiredKeys: ['code', 'status'] },
  )
  .map(({ contained, ...fields }) => ((fields.device as { reference?: string } | undefined)?.reference === '#dev' ? { ...fields, contained } : fields))
  .chain((fields) => mostly(fc.constant({}), fc.constant({ unknownElement: 1 })).map((extra) => ({ resourceType: 'Observation', ...fields, ...extra })));

describe('FHIR structural validation through templates', () => {
  it('gives medplum’s verdict and issues on the resource itself, for valid and invalid values alike', () => {
    let wellFormed = 0;
    fc.assert(
      fc.property(observation, (resource) => {
        wellFormed += r4Issues(resource).length === 0 ? 1 : 0;
        // Twice: the second call is answered from the remembered templates.
        for (let i = 0; i < 2; i++) {
          const issues = validator.issues(resource);
          expect(issues.length === 0).toBe(r4Issues(resource).length === 0);
          if (issues.length > 0) expect(issues).toEqual(r4Issues(resource));
        }
      }),
      { numRuns: 600 },
    );
    // Both verdicts are exercised, not one of them alone (the Device is contained only when the reading points at it: dom-3).
    expect(wellFormed).toBeGreaterThan(150);
    expect(wellFormed).toBeLessThan(450);
  }, 60_000);

  it('shares one template between readings that differ only in value, time, identifier and patient', () => {
    const reading = (value: number, at: string, id: string, patientId: string) => ({
      resourceType: 'Observation',
      status: 'final',
      identifier: [{ system: 'urn:gateway', value: id }],
      code: loinc('2708-6'),
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: at,
      valueQuantity: quantity(value),
    });
    const a = observationTemplate(reading(95, '2026-11-22T08:00:00Z', 'a-1', 'p1'));
    expect(a).toEqual(observationTemplate(reading(88, '2026-12-01T21:13:07+01:00', 'b-77', 'p2')));
    expect(a).not.toEqual(observationTemplate({ ...reading(95, '2026-11-22T08:00:00Z', 'a-1', 'p1'), status: 'amended' }));
  });

  it('names the sender’s own element when a remembered template’s reading has a bad value', () => {
    const good = { resourceType: 'Observation', status: 'final', code: loinc('2708-6'), subject: { reference: 'Patient/p1' }, effectiveDateTime: '2026-11-22T08:00:00Z', valueQuantity: quantity(95) };
    expect(validator.issues(good)).toEqual([]);
    expect(validator.issues({ ...good, effectiveDateTime: '2026-11-31T25:00:00Z' })).toEqual([{ field: 'Observation.effectiveDateTime', message: 'Invalid dateTime format' }]);
    expect(validator.issues({ ...good, valueQuantity: quantity('95') })).toEqual([{ field: 'Observation.valueQuantity.value', message: expect.stringContaining('expected number') }]);
  });

  it('remembers at most TEMPLATE_CACHE_SIZE templates, and still answers after forgetting', () => {
    const own = new FhirStructureValidator({ info: () => undefined } as unknown as Logger);
    const shaped = (i: number) => ({ resourceType: 'Observation', status: 'final', code: { ...loinc('2708-6'), text: `shape ${i}` }, subject: { reference: 'Patient/p1' }, effectiveDateTime: '2026-11-22T08:00:00Z', valueQuantity: quantity(95) });
    for (let i = 0; i <= TEMPLATE_CACHE_SIZE; i++) expect(own.issues(shaped(i))).toEqual([]);
    expect((own as unknown as { wellFormed: Set<string> }).wellFormed.size).toBe(TEMPLATE_CACHE_SIZE);
    expect(own.issues({ ...shaped(0), unknownElement: 1 })).not.toEqual([]);
    expect(own.issues(shaped(0))).toEqual([]);
  }, 60_000);
});
