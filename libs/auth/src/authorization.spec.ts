import { ForbiddenError } from '@varde/core';
import { describe, expect, it } from 'vitest';
import {
  assertMayActForCareTeam,
  assertMayActOnPatient,
  assertMayReadPatientOfTeam,
  assertRole,
  careTeamsShownTo,
  mayActOnPatient,
  mayReadPatientOfTeam,
} from './authorization';
import { toActor, type Principal } from './principal';

const patient: Principal = { subject: 'u-1', role: 'patient', patientId: 'pat-1', scopes: [], careTeams: [] };
const guardian: Principal = { subject: 'u-2', role: 'guardian', patientIds: ['pat-1', 'pat-3'], scopes: [], careTeams: [] };
const staff = (role: Principal['role'], careTeams: readonly string[] = []): Principal => ({ subject: `dev-${role}`, role, organisation: '999999999', scopes: [], careTeams });
const clinician = staff('clinician', ['copd-care-team', 'lunge-ahus']);

describe('mayActOnPatient', () => {
  it('lets a patient act on their own data only', () => {
    expect(mayActOnPatient(patient, 'pat-1')).toBe(true);
    expect(mayActOnPatient(patient, 'pat-2')).toBe(false);
  });

  it('lets a guardian act only for the patients named in their token', () => {
    expect(mayActOnPatient(guardian, 'pat-3')).toBe(true);
    expect(mayActOnPatient(guardian, 'pat-2')).toBe(false);
  });

  it.each(['clinician', 'system', 'auditor'] as const)('lets a %s act on any patient when no care team is at hand', (role) => {
    expect(mayActOnPatient(staff(role), 'pat-9')).toBe(true);
  });

  it('keeps a pathway designer away from patient data', () => {
    expect(mayActOnPatient(staff('pathway-designer'), 'pat-1')).toBe(false);
  });
});

describe('assertMayActOnPatient', () => {
  it('names the role and patient when it refuses', () => {
    expect(() => assertMayActOnPatient(patient, 'pat-2')).toThrow(new ForbiddenError('a patient token may not act on patient pat-2'));
    expect(() => assertMayActOnPatient(patient, 'pat-1')).not.toThrow();
  });
});

describe('mayReadPatientOfTeam', () => {
  it("lets a clinician read a patient only when the patient's care team is one of theirs", () => {
    expect(mayReadPatientOfTeam(clinician, 'pat-9', 'lunge-ahus')).toBe(true);
    expect(mayReadPatientOfTeam(clinician, 'pat-9', 'hjerte-ous')).toBe(false);
    expect(mayReadPatientOfTeam(clinician, 'pat-9', undefined)).toBe(false);
    expect(mayReadPatientOfTeam(staff('clinician'), 'pat-9', 'copd-care-team')).toBe(false);
  });

  it('keeps patients to themselves and guardians to their patients, whatever the team', () => {
    expect(mayReadPatientOfTeam(patient, 'pat-1', 'hjerte-ous')).toBe(true);
    expect(mayReadPatientOfTeam(patient, 'pat-2', 'copd-care-team')).toBe(false);
    expect(mayReadPatientOfTeam(guardian, 'pat-3', undefined)).toBe(true);
    expect(mayReadPatientOfTeam(guardian, 'pat-2', 'copd-care-team')).toBe(false);
  });

  it.each(['auditor', 'system'] as const)('lets a %s read every patient of every team', (role) => {
    expect(mayReadPatientOfTeam(staff(role), 'pat-9', 'hjerte-ous')).toBe(true);
    expect(mayReadPatientOfTeam(staff(role), 'pat-9', undefined)).toBe(true);
  });

  it('keeps a pathway designer away from patient data', () => {
    expect(mayReadPatientOfTeam(staff('pathway-designer', ['copd-care-team']), 'pat-1', 'copd-care-team')).toBe(false);
  });
});

describe('assertMayReadPatientOfTeam', () => {
  it('gives a clinician the same refusal for a patient of another team and one on no team, naming only their own teams', () => {
    expect(() => assertMayReadPatientOfTeam(clinician, 'pat-9', 'hjerte-ous')).toThrow(
      new ForbiddenError('patient pat-9 is not on one of your care teams (your care teams: copd-care-team, lunge-ahus), so you may not see or change their data (helsepersonelloven § 21a)'),
    );
    expect(() => assertMayReadPatientOfTeam(staff('clinician'), 'pat-9', 'hjerte-ous')).toThrow("your token names no care team in 'varde_care_teams'");
    expect(() => assertMayReadPatientOfTeam(clinician, 'pat-9', undefined)).toThrow('patient pat-9 is not on one of your care teams (your care teams: copd-care-team, lunge-ahus)');
    expect(() => assertMayReadPatientOfTeam(patient, 'pat-2', 'copd-care-team')).toThrow(new ForbiddenError('a patient token may not act on patient pat-2'));
    expect(() => assertMayReadPatientOfTeam(clinician, 'pat-9', 'copd-care-team')).not.toThrow();
  });
});

describe('assertMayActForCareTeam', () => {
  it('lets a clinician act only for their own teams, and other roles for any', () => {
    expect(() => assertMayActForCareTeam(clinician, 'lunge-ahus')).not.toThrow();
    expect(() => assertMayActForCareTeam(clinician, 'hjerte-ous')).toThrow(new ForbiddenError('care team hjerte-ous is not one of yours (your care teams: copd-care-team, lunge-ahus)'));
    expect(() => assertMayActForCareTeam(staff('system'), 'hjerte-ous')).not.toThrow();
  });
});

describe('careTeamsShownTo', () => {
  it("shows a clinician their own teams' patients, narrowed to one of their teams on request", () => {
    expect(careTeamsShownTo(clinician)).toEqual(['copd-care-team', 'lunge-ahus']);
    expect(careTeamsShownTo(clinician, 'lunge-ahus')).toEqual(['lunge-ahus']);
    expect(() => careTeamsShownTo(clinician, 'hjerte-ous')).toThrow(ForbiddenError);
    expect(careTeamsShownTo(staff('clinician'))).toEqual([]);
  });

  it('shows an auditor every patient, or one team on request', () => {
    expect(careTeamsShownTo(staff('auditor'))).toBeUndefined();
    expect(careTeamsShownTo(staff('auditor'), 'hjerte-ous')).toEqual(['hjerte-ous']);
  });

  it("shows patients and guardians no team's list", () => {
    expect(careTeamsShownTo(patient)).toEqual([]);
    expect(careTeamsShownTo(guardian, 'copd-care-team')).toEqual([]);
  });
});

describe('assertRole', () => {
  it('allows listed roles and refuses others with the allowed list', () => {
    expect(() => assertRole(staff('clinician'), 'clinician', 'auditor')).not.toThrow();
    expect(() => assertRole(patient, 'clinician', 'auditor')).toThrow(new ForbiddenError('role patient may not do this; allowed: clinician, auditor'));
  });
});

describe('toActor', () => {
  it('records subject, role and organisation, and nothing else from the token', () => {
    expect(toActor({ ...staff('clinician'), clientId: 'web', scopes: ['varde/worklist.read'] })).toEqual({
      subject: 'dev-clinician',
      role: 'clinician',
      organisation: '999999999',
    });
    expect(toActor(patient)).toEqual({ subject: 'u-1', role: 'patient' });
  });
});
