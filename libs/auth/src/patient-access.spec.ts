import { describe, expect, it } from 'vitest';
import { childAgeAt, decidePatientAccess, EMERGENCY_OBLIGATION, type PatientFacts } from './patient-access';
import type { Principal } from './principal';

const patient = { id: 'p-1', careTeamId: 'copd-care-team' };
const clinician = (overrides: Partial<Principal> = {}): Principal => ({ subject: 'dr-1', role: 'clinician', careTeams: ['copd-care-team'], scopes: [], hprNumber: '1234567', organisation: '999999999', ...overrides });
const guardian: Principal = { subject: 'parent-1', role: 'guardian', careTeams: [], scopes: [], patientIds: ['p-1'] };
const facts = (overrides: Partial<PatientFacts> = {}): PatientFacts => ({ now: '2026-12-06T08:00:00.000Z', blocks: [], ...overrides });
const read = (category: 'measurements' | 'forms' = 'measurements') => ({ category, action: 'read' as const, patient });
const blockOn = (kind: string, value: string, categories: string[] = []) => ({ consentId: 'k-1', parties: [{ kind, value }], categories });
const emergency = { grantId: 'g-1', reason: 'hjertestans', expiresAt: '2026-12-06T09:00:00.000Z' };

describe('blocks (sperre)', () => {
  it('deny the named professional every read and write, and nobody else', () => {
    const blocked = facts({ blocks: [blockOn('practitioner', '1234567')] });
    expect(decidePatientAccess(clinician(), read(), blocked)).toMatchObject({ decision: 'deny', reason: expect.stringContaining('Consent/k-1') });
    expect(decidePatientAccess(clinician(), { ...read(), action: 'write' }, blocked).decision).toBe('deny');
    expect(decidePatientAccess(clinician({ hprNumber: '7654321' }), read(), blocked).decision).toBe('permit');
  });
  it('deny everyone acting for a blocked organisation, for the categories named only', () => {
    const blocked = facts({ blocks: [blockOn('organization', '999999999', ['forms'])] });
    expect(decidePatientAccess(clinician({ hprNumber: undefined }), read('forms'), blocked).decision).toBe('deny');
    expect(decidePatientAccess(clinician({ hprNumber: undefined }), read('measurements'), blocked).decision).toBe('permit');
  });
  it('give way to an emergency access, for reads, with the obligation to log it apart', () => {
    const blocked = facts({ blocks: [blockOn('practitioner', '1234567')], emergency });
    expect(decidePatientAccess(clinician(), read(), blocked)).toMatchObject({ decision: 'permit', obligations: [EMERGENCY_OBLIGATION] });
    expect(decidePatientAccess(clinician(), { ...read(), action: 'write' }, blocked).decision).toBe('deny');
  });
});

describe('emergency access outside the care team', () => {
  it('permits reads only while open', () => {
    const outsider = clinician({ careTeams: ['akuttmottaket'] });
    expect(decidePatientAccess(outsider, read(), facts()).decision).toBe('deny');
    expect(decidePatientAccess(outsider, read(), facts({ emergency }))).toMatchObject({ decision: 'permit', obligations: [EMERGENCY_OBLIGATION], reason: expect.stringContaining('hjertestans') });
  });
});

describe("guardians and the child's age (pasient- og brukerrettighetsloven § 3-4)", () => {
  const registered = (childBirthDate: string, deniedCategories: string[] = [], now = '2026-12-06T08:00:00.000Z') => facts({ now, guardianship: { relatedPersonId: 'r-1', childBirthDate, deniedCategories } });
  it('acts fully for a child under 12', () => {
    expect(decidePatientAccess(guardian, read('forms'), registered('2016-01-01', ['forms'])).decision).toBe('permit');
  });
  it('from 12 respects the categories the child denied, and from 16 has no automatic access', () => {
    expect(decidePatientAccess(guardian, read('forms'), registered('2013-01-01', ['forms'])).decision).toBe('deny');
    expect(decidePatientAccess(guardian, read('measurements'), registered('2013-01-01', ['forms'])).decision).toBe('permit');
    expect(decidePatientAccess(guardian, read('measurements'), registered('2010-01-01')).decision).toBe('deny');
  });
  it('changes on the birthday itself', () => {
    // Born 7 December 2010: 15 on 6 December 2026, 16 from midnight in Norway (23:00 UTC in winter).
    expect(decidePatientAccess(guardian, read(), registered('2010-12-07', [], '2026-12-06T22:59:59.000Z')).decision).toBe('permit');
    expect(decidePatientAccess(guardian, read(), registered('2010-12-07', [], '2026-12-06T23:00:00.000Z')).decision).toBe('deny');
  });
  it('counts whole years, 29 February included', () => {
    expect(childAgeAt('2012-02-29', '2024-02-28T12:00:00.000Z')).toBe(11);
    expect(childAgeAt('2012-02-29', '2024-02-29T12:00:00.000Z')).toBe(12);
  });
});
