import { ForbiddenError } from '@varde/core';
import { describe, expect, it } from 'vitest';
import { assertMayActOnPatient, assertRole, mayActOnPatient } from './authorization';
import { toActor, type Principal } from './principal';

const patient: Principal = { subject: 'u-1', role: 'patient', patientId: 'pat-1', scopes: [] };
const guardian: Principal = { subject: 'u-2', role: 'guardian', patientIds: ['pat-1', 'pat-3'], scopes: [] };
const staff = (role: Principal['role']): Principal => ({ subject: `dev-${role}`, role, organisation: '999999999', scopes: [] });

describe('mayActOnPatient', () => {
  it('lets a patient act on their own data only', () => {
    expect(mayActOnPatient(patient, 'pat-1')).toBe(true);
    expect(mayActOnPatient(patient, 'pat-2')).toBe(false);
  });

  it('lets a guardian act only for the patients named in their token', () => {
    expect(mayActOnPatient(guardian, 'pat-3')).toBe(true);
    expect(mayActOnPatient(guardian, 'pat-2')).toBe(false);
  });

  it.each(['clinician', 'system', 'auditor'] as const)('lets a %s act on any patient until care teams exist', (role) => {
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
