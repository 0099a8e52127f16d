import { describe, expect, it } from 'vitest';
import type { ConsentTerms } from '../consent.events';
import { MalformedBatchResponse, nextAttemptAt, pmdBatch, readBatchResponse, retryAfterMs } from './pmd-batch';
import { amendedObservation, enteredInErrorObservation, pmdObservation, type SharedMeasurement } from './pmd-observation';
import { PMD_RECEIVER, sharingCoverage } from './sharing-coverage';
import { importedObservation, pmdSearchResults } from './pmd-import';

const NOW = '2026-12-06T08:00:00.000Z';
const permit = (overrides: Partial<ConsentTerms> = {}): ConsentTerms => ({
  patientId: 'p-1',
  status: 'active',
  provision: 'permit',
  parties: [{ kind: 'municipality', system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '910000012' }],
  categories: [],
  includeNationalId: false,
  ...overrides,
});

describe('sharing coverage for PMD', () => {
  it('permits with a consent in force naming the municipality or the GP and covering measurements', () => {
    expect(sharingCoverage([permit()], PMD_RECEIVER, 'measurements', NOW)).toEqual({ permitted: true, includeNationalId: false });
    expect(sharingCoverage([permit({ parties: [{ kind: 'gp', system: 's', value: '910000020' }], categories: ['measurements'] })], PMD_RECEIVER, 'measurements', NOW).permitted).toBe(true);
  });

  it('does not permit without a consent, after a withdrawal, outside its period, for other categories or receivers', () => {
    expect(sharingCoverage([], PMD_RECEIVER, 'measurements', NOW).permitted).toBe(false);
    expect(sharingCoverage([permit({ status: 'inactive' })], PMD_RECEIVER, 'measurements', NOW).permitted).toBe(false);
    expect(sharingCoverage([permit({ periodEnd: '2026-12-01T00:00:00Z' })], PMD_RECEIVER, 'measurements', NOW).permitted).toBe(false);
    expect(sharingCoverage([permit({ periodStart: '2026-12-07T00:00:00Z' })], PMD_RECEIVER, 'measurements', NOW).permitted).toBe(false);
    expect(sharingCoverage([permit({ categories: ['forms'] })], PMD_RECEIVER, 'measurements', NOW).permitted).toBe(false);
    expect(sharingCoverage([permit({ parties: [{ kind: 'health-trust', system: 's', value: '910000039' }] })], PMD_RECEIVER, 'measurements', NOW).permitted).toBe(false);
  });

  it('lets a block of the municipality win over any permit (sperre)', () => {
    const block = permit({ provision: 'deny' });
    expect(sharingCoverage([permit(), block], PMD_RECEIVER, 'measurements', NOW)).toEqual({ permitted: false, reason: 'blocked by the patient (sperre)' });
  });

  it('names a health trust by organisation number', () => {
    const trust = permit({ parties: [{ kind: 'health-trust', system: 's', value: '910000039' }], includeNationalId: true });
    expect(sharingCoverage([trust], { kinds: ['health-trust'], organisationNumber: '910000039' }, 'triage', NOW)).toEqual({ permitted: true, includeNationalId: true });
    expect(sharingCoverage([trust], { kinds: ['health-trust'], organisationNumber: '974589095' }, 'triage', NOW).permitted).toBe(false);
  });
});

const measurement: SharedMeasurement = {
  measurementId: '6f1c1d2e-0000-4000-8000-000000000001',
  patientId: 'p-1',
  code: '2708-6',
  display: 'Oxygen saturation',
  quantity: { value: 93, unit: '%' },
  components: [],
  effectiveTime: '2026-12-06T07:00:00.000Z',
  receivedTime: '2026-12-06T07:00:05.000Z',
  device: { identifier: 'urn:oid:1.2.3|OX-9', model: 'PO-60', manufacturer: 'Beurer', serial: 'A1' },
};

describe('the Observation PMD is sent', () => {
  it('carries the measurement id as identifier, LOINC, the value as measured, the device and the hospital as performer', () => {
    expect(pmdObservation(measurement, '974589095')).toEqual({
      resourceType: 'Observation',
      identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:6f1c1d2e-0000-4000-8000-000000000001' }],
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '2708-6', display: 'Oxygen saturation' }] },
      effectiveDateTime: '2026-12-06T07:00:00.000Z',
      issued: '2026-12-06T07:00:05.000Z',
      performer: [{ identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '974589095' } }],
      valueQuantity: { value: 93, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      device: { identifier: { system: 'urn:oid:1.2.3', value: 'OX-9' }, display: 'Beurer PO-60 serial A1' },
    });
  });

  it('sends a panel as components, a correction as amended and an error as entered-in-error', () => {
    const bp = pmdObservation({ ...measurement, code: '85354-9', components: [{ code: '8480-6', quantity: { value: 150, unit: 'mm[Hg]' } }, { code: '8462-4', quantity: { value: 90, unit: 'mm[Hg]' } }] }, '974589095');
    expect(bp).not.toHaveProperty('valueQuantity');
    expect(bp.component).toHaveLength(2);
    const amended = amendedObservation(pmdObservation(measurement, '974589095'), { value: 95, unit: '%' }, 'typo');
    expect(amended).toMatchObject({ status: 'amended', valueQuantity: { value: 95 }, note: [{ text: 'Corrected: typo' }] });
    expect(enteredInErrorObservation(amended, 'wrong patient')).toMatchObject({ status: 'entered-in-error', note: [{ text: 'Entered in error: wrong patient' }] });
  });

  it('goes in a batch as a conditional create the first time and a conditional update after, both by identifier', () => {
    const observation = pmdObservation(measurement, '974589095');
    const subject = { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '15076500565' };
    const bundle = pmdBatch([
      { measurementId: measurement.measurementId, patientId: 'p-1', version: 1, observation, subject },
      { measurementId: measurement.measurementId, patientId: 'p-1', version: 2, observation, subject },
    ]) as { type: string; entry: { resource: { subject: unknown }; request: unknown }[] };
    const search = 'identifier=urn%3Aietf%3Arfc%3A3986%7Curn%3Auuid%3A6f1c1d2e-0000-4000-8000-000000000001';
    expect(bundle.type).toBe('batch');
    expect(bundle.entry.map((e) => e.request)).toEqual([{ method: 'POST', url: 'Observation', ifNoneExist: search }, { method: 'PUT', url: `Observation?${search}` }]);
    expect(bundle.entry[0]!.resource.subject).toEqual({ identifier: subject });
  });
});

describe('PMD’s answers', () => {
  const answer = (...statuses: string[]) => ({ resourceType: 'Bundle', type: 'batch-response', entry: statuses.map((status) => ({ response: { status, outcome: { issue: [{ diagnostics: `because ${status}` }] } } })) });

  it('reads each entry as stored, rejected for good (4xx) or to try again (408, 429, 5xx)', () => {
    expect(readBatchResponse(answer('201 Created', '200', '400 Bad Request', '429', '503'), 5)).toEqual([
      { kind: 'stored' },
      { kind: 'stored' },
      { kind: 'rejected', reason: '400 because 400 Bad Request' },
      { kind: 'retry', reason: '429 because 429' },
      { kind: 'retry', reason: '503 because 503' },
    ]);
  });

  it('refuses a malformed answer: not a batch-response, a wrong number of entries, an entry without status', () => {
    expect(() => readBatchResponse('{"resourceType":"Bundle"', 1)).toThrow(MalformedBatchResponse);
    expect(() => readBatchResponse({ resourceType: 'OperationOutcome' }, 1)).toThrow(/batch-response/);
    expect(() => readBatchResponse(answer('201'), 2)).toThrow(/1 entries answered for 2 sent/);
    expect(() => readBatchResponse({ resourceType: 'Bundle', type: 'batch-response', entry: [{}] }, 1)).toThrow(/no response status/);
  });

  it('backs off exponentially up to the cap, never sooner than Retry-After, and gives up after the last try', () => {
    const policy = { baseMs: 1_000, maxMs: 8_000, maxAttempts: 5 };
    expect([1, 2, 3, 4].map((n) => nextAttemptAt(n, 0, policy))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(nextAttemptAt(1, 0, policy, 30_000)).toBe(30_000);
    expect(nextAttemptAt(5, 0, policy)).toBeUndefined();
    expect(retryAfterMs('7', 0)).toBe(7_000);
    expect(retryAfterMs('Sun, 06 Dec 2026 08:00:10 GMT', Date.parse('2026-12-06T08:00:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
  });
});

describe('what comes in from PMD', () => {
  const found = (performer?: string) => ({
    id: 'pmd-1',
    resource: {
      resourceType: 'Observation',
      id: 'pmd-1',
      meta: { versionId: '3' },
      identifier: [{ system: 'urn:kommune', value: 'k-1' }],
      subject: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '15076500565' } },
      ...(performer ? { performer: [{ identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: performer } }] } : {}),
    },
  });

  it('is recorded for the patient with PMD’s id as first identifier and without PMD’s subject, id and meta', () => {
    expect(importedObservation(found('910000012'), 'p-1', '974589095', 'https://pmd/Observation')).toEqual({
      kind: 'record',
      observation: {
        resourceType: 'Observation',
        identifier: [{ system: 'https://pmd/Observation', value: 'pmd-1' }, { system: 'urn:kommune', value: 'k-1' }],
        subject: { reference: 'Patient/p-1' },
        performer: [{ identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '910000012' } }],
      },
    });
  });

  it('skips what this hospital sent and keeps out what names no performing organisation', () => {
    expect(importedObservation(found('974589095'), 'p-1', '974589095', 's')).toEqual({ kind: 'ours' });
    expect(importedObservation(found(), 'p-1', '974589095', 's')).toMatchObject({ kind: 'kept-out' });
  });

  it('reads a searchset, and refuses anything else', () => {
    expect(pmdSearchResults({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: found('1').resource }, { resource: { resourceType: 'Patient', id: 'x' } }] })).toHaveLength(1);
    expect(() => pmdSearchResults({ resourceType: 'OperationOutcome' })).toThrow(/searchset/);
  });
});
