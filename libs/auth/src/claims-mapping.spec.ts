import { UnauthorizedError } from '@varde/core';
import { describe, expect, it } from 'vitest';
import { principalFromClaims } from './claims-mapping';

describe('principalFromClaims', () => {
  it('maps a HelseID machine token: array scope, client_id as subject, orgnr_parent as organisation', () => {
    const principal = principalFromClaims({
      client_id: 'device-gateway-7',
      scope: ['varde/measurements.write', 'openid'],
      varde_role: 'system',
      'helseid://claims/client/claims/orgnr_parent': '983974899',
      varde_org: '111111111',
    });
    expect(principal).toEqual({
      subject: 'device-gateway-7',
      clientId: 'device-gateway-7',
      role: 'system',
      organisation: '983974899',
      scopes: ['varde/measurements.write', 'openid'],
      careTeams: [],
    });
  });

  it('maps a patient token with a space-separated scope and varde_org', () => {
    const principal = principalFromClaims({
      sub: 'user-1',
      scope: 'varde/measurements.write  varde/forms.write',
      varde_role: 'patient',
      varde_patient_id: 'pat-42',
      varde_org: '974557746',
    });
    expect(principal).toEqual({
      subject: 'user-1',
      role: 'patient',
      patientId: 'pat-42',
      organisation: '974557746',
      scopes: ['varde/measurements.write', 'varde/forms.write'],
      careTeams: [],
    });
  });

  it("gives a guardian the patient ids of 'varde_patient_ids'", () => {
    const principal = principalFromClaims({ sub: 'g-1', varde_role: 'guardian', varde_patient_ids: ['pat-1', 'pat-2'] });
    expect(principal.patientIds).toEqual(['pat-1', 'pat-2']);
    expect(principal.scopes).toEqual([]);
  });

  it("gives a clinician the care teams of 'varde_care_teams', and none when the claim is absent", () => {
    expect(principalFromClaims({ sub: 'c-1', varde_role: 'clinician', varde_care_teams: ['copd-care-team', 'lungepoliklinikken-ahus'] }).careTeams).toEqual([
      'copd-care-team',
      'lungepoliklinikken-ahus',
    ]);
    expect(principalFromClaims({ sub: 'c-1', varde_role: 'clinician' }).careTeams).toEqual([]);
  });

  it.each([
    [{ sub: 's', varde_role: 'clinician', varde_care_teams: 'copd-care-team' }, "'varde_care_teams' must be an array of care team ids"],
    [{ sub: 's', varde_role: 'clinician', varde_care_teams: ['Team A'] }, "'varde_care_teams' must be an array of care team ids"],
    [{ varde_role: 'clinician' }, "neither a 'sub' nor a 'client_id'"],
    [{ sub: 's' }, "no 'varde_role' claim"],
    [{ sub: 's', varde_role: 'admin' }, 'role "admin" is not a Varde role'],
    [{ sub: 's', varde_role: 'patient' }, "patient token has no 'varde_patient_id'"],
    [{ sub: 's', varde_role: 'guardian', varde_patient_ids: [] }, "guardian token needs a 'varde_patient_ids' claim"],
    [{ sub: 's', varde_role: 'clinician', scope: 42 }, "'scope' must be a space-separated string or an array"],
    [{ sub: 's', varde_role: 'patient', varde_patient_id: '01017012345' }, 'looks like a national identity number'],
  ])('rejects %j with a message that says what is wrong', (claims, message) => {
    expect(() => principalFromClaims(claims)).toThrow(UnauthorizedError);
    expect(() => principalFromClaims(claims)).toThrow(message);
  });
});
