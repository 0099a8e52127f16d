import { randomUUID } from 'node:crypto';
import { MedplumClient } from '@medplum/core';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { freshSchema } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startWithEnrolledPatient, type EnrolledPatient } from './enrolled-patient';

const schema = freshSchema('measurements_fhir_clients');
let stack: EnrolledPatient;
// fhir-kit-client is published as an ES module only.
let Client: typeof import('fhir-kit-client', { with: { 'resolution-mode': 'import' } }).Client;

const vitalSigns = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }];
const UCUM = 'http://unitsofmeasure.org';

// The R4 specification's own example Observations (hl7.org/fhir/R4: observation-example-bloodpressure,
// observation-example (body weight), observation-example-satO2), narrative left out; the subject is the test's
// patient and the identifier a fresh one, so each client records its own.
const examples = (patient: string): Record<'bloodPressure' | 'bodyWeight' | 'satO2', Observation> => ({
  bloodPressure: {
    resourceType: 'Observation',
    meta: { profile: ['http://hl7.org/fhir/StructureDefinition/vitalsigns'] },
    identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` }],
    basedOn: [{ identifier: { system: 'https://acme.org/identifiers', value: '1234' } }],
    status: 'final',
    category: vitalSigns,
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel with all children optional' }], text: 'Blood pressure systolic & diastolic' },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2012-09-17',
    performer: [{ reference: 'Practitioner/example' }],
    interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'L', display: 'low' }], text: 'Below low normal' }],
    bodySite: { coding: [{ system: 'http://snomed.info/sct', code: '368209003', display: 'Right arm' }] },
    component: [
      {
        code: {
          coding: [
            { system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' },
            { system: 'http://snomed.info/sct', code: '271649006', display: 'Systolic blood pressure' },
            { system: 'http://acme.org/devices/clinical-codes', code: 'bp-s', display: 'Systolic Blood pressure' },
          ],
        },
        valueQuantity: { value: 107, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
        interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N', display: 'normal' }], text: 'Normal' }],
      },
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' }] },
        valueQuantity: { value: 60, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
        interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'L', display: 'low' }], text: 'Below low normal' }],
      },
    ],
  },
  bodyWeight: {
    resourceType: 'Observation',
    identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` }],
    status: 'final',
    category: vitalSigns,
    code: {
      coding: [
        { system: 'http://loinc.org', code: '29463-7', display: 'Body Weight' },
        { system: 'http://loinc.org', code: '3141-9', display: 'Body weight Measured' },
        { system: 'http://snomed.info/sct', code: '27113001', display: 'Body weight' },
        { system: 'http://acme.org/devices/clinical-codes', code: 'body-weight', display: 'Body Weight' },
      ],
    },
    subject: { reference: `Patient/${patient}` },
    encounter: { reference: 'Encounter/example' },
    effectiveDateTime: '2016-03-28',
    valueQuantity: { value: 185, unit: 'lbs', system: UCUM, code: '[lb_av]' },
  },
  satO2: {
    resourceType: 'Observation',
    meta: { profile: ['http://hl7.org/fhir/StructureDefinition/vitalsigns'] },
    identifier: [{ system: 'http://goodcare.org/observation/id', value: `o1223435-${randomUUID()}` }],
    partOf: [{ reference: 'Procedure/ob' }],
    status: 'final',
    category: vitalSigns,
    code: {
      coding: [
        { system: 'http://loinc.org', code: '2708-6', display: 'Oxygen saturation in Arterial blood' },
        { system: 'http://loinc.org', code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
        { system: 'urn:iso:std:iso:11073:10101', code: '150456', display: 'MDC_PULS_OXIM_SAT_O2' },
      ],
    },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2014-12-05T09:30:10+01:00',
    valueQuantity: { value: 95, unit: '%', system: UCUM, code: '%' },
    interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N', display: 'Normal (applies to non-numeric results)' }] }],
    device: { reference: 'DeviceMetric/example' },
    referenceRange: [{ low: { value: 90, unit: '%', system: UCUM, code: '%' }, high: { value: 99, unit: '%', system: UCUM, code: '%' } }],
  },
});

/** The example as stored: what was sent, plus what the server assigns; a converted value in kg with the sent one kept. */
function asStored(sent: Observation, stored: Observation): Observation {
  const converted = sent.valueQuantity?.code === '[lb_av]';
  return {
    ...sent,
    id: stored.id,
    meta: { ...sent.meta, versionId: '1', lastUpdated: stored.meta?.lastUpdated },
    issued: stored.issued,
    ...(converted
      ? { valueQuantity: { value: expect.closeTo(83.915, 2) as unknown as number, unit: 'kg', system: UCUM, code: 'kg', extension: [{ url: 'https://varde.no/fhir/StructureDefinition/original-quantity', valueQuantity: sent.valueQuantity }] } }
      : {}),
  };
}

beforeAll(async () => {
  ({ Client } = await import('fhir-kit-client'));
  stack = await startWithEnrolledPatient(inject('databaseUrl'), schema);
});

afterAll(() => stack?.stop());

const batchOf = (type: 'batch' | 'transaction', resources: readonly Observation[]): Bundle => ({ resourceType: 'Bundle', type, entry: resources.map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } })) });

describe('fhir-kit-client', () => {
  const client = () => new Client({ baseUrl: `${stack.measurements.url}/fhir`, bearerToken: stack.patientToken });

  it('creates, reads and vreads the R4 spec examples, each round-tripped unchanged', async () => {
    for (const sent of Object.values(examples(stack.patientId))) {
      const created = (await client().create({ resourceType: 'Observation', body: sent as never })) as unknown as Observation;
      expect(created).toEqual(asStored(sent, created));
      expect(await client().read({ resourceType: 'Observation', id: created.id! })).toEqual(created);
      expect(await client().vread({ resourceType: 'Observation', id: created.id!, version: '1' })).toEqual(created);
    }
  });

  it('searches and pages through the links', async () => {
    const seen: string[] = [];
    let page = (await client().search({ resourceType: 'Observation', searchParams: { patient: stack.patientId, _count: '2' } })) as unknown as Bundle;
    const total = page.total!;
    for (;;) {
      seen.push(...(page.entry ?? []).map((e) => e.resource!.id!));
      const next = client().nextPage({ bundle: page as never });
      if (!next) break;
      page = (await next) as unknown as Bundle;
    }
    expect(total).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(total);
  });

  it('posts a batch and a transaction to the base, and creates conditionally', async () => {
    const { bloodPressure, satO2, bodyWeight } = examples(stack.patientId);
    const batch = (await client().batch({ body: batchOf('batch', [bloodPressure]) as never })) as unknown as Bundle;
    expect(batch.entry?.map((e) => e.response?.status)).toEqual(['201 Created']);
    const transaction = (await client().transaction({ body: batchOf('transaction', [satO2, bodyWeight]) as never })) as unknown as Bundle;
    expect(transaction.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created']);
    const condition = { 'If-None-Exist': `identifier=${satO2.identifier![0]!.system}|${satO2.identifier![0]!.value}` };
    const again = (await client().create({ resourceType: 'Observation', body: { ...satO2, valueQuantity: { ...satO2.valueQuantity, value: 97 } } as never, options: { headers: condition } })) as unknown as Observation;
    expect(again.valueQuantity?.value).toBe(95);
  });
});

describe('MedplumClient', () => {
  const medplum = () => {
    const client = new MedplumClient({ baseUrl: stack.measurements.url, fhirUrlPath: 'fhir', cacheTime: 0 });
    client.setAccessToken(stack.patientToken);
    return client;
  };

  it('creates, reads and vreads the R4 spec examples, each round-tripped unchanged', async () => {
    for (const sent of Object.values(examples(stack.patientId))) {
      const created = await medplum().createResource(sent);
      expect(created).toEqual(asStored(sent, created));
      expect(await medplum().readResource('Observation', created.id!)).toEqual(created);
      expect(await medplum().readVersion('Observation', created.id!, '1')).toEqual(created);
    }
  });

  it('searches, posts a batch and a transaction, and creates conditionally', async () => {
    const found = await medplum().search('Observation', { patient: stack.patientId, _count: '1' });
    expect(found.entry).toHaveLength(1);
    expect(found.link?.find((l) => l.relation === 'next')?.url).toMatch(/^http:\/\/.+\/fhir\/Observation\?/);
    const { bloodPressure, satO2 } = examples(stack.patientId);
    const batch = await medplum().executeBatch(batchOf('batch', [bloodPressure]));
    expect(batch.entry?.map((e) => e.response?.status)).toEqual(['201 Created']);
    const transaction = await medplum().executeBatch(batchOf('transaction', [satO2]));
    expect(transaction.type).toBe('transaction-response');
    const again = await medplum().createResourceIfNoneExist({ ...satO2, valueQuantity: { ...satO2.valueQuantity, value: 97 } }, `identifier=${satO2.identifier![0]!.system}|${satO2.identifier![0]!.value}`);
    expect(again.valueQuantity?.value).toBe(95);
  });
});
