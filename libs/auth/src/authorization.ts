import { ForbiddenError, type Role } from '@varde/core';
import { CLAIMS } from './claims-mapping';
import type { Principal } from './principal';

/**
 * Whether the principal may act on this patient when the patient's care team is not at hand (submitting
 * measurements, forms). Reads of a patient's data use {@link mayReadPatientOfTeam}, which also narrows a
 * clinician to the patients of their care teams (docs/adr/0004-auth.md).
 */
export function mayActOnPatient(principal: Principal, patientId: string): boolean {
  switch (principal.role) {
    case 'patient':
      return principal.patientId === patientId;
    case 'guardian':
      return principal.patientIds?.includes(patientId) ?? false;
    case 'clinician':
    case 'system':
    case 'auditor':
      return true;
    case 'pathway-designer':
      return false;
    default: {
      const _exhaustive: never = principal.role;
      return _exhaustive;
    }
  }
}

/** Throws ForbiddenError unless {@link mayActOnPatient} allows it. */
export function assertMayActOnPatient(principal: Principal, patientId: string): void {
  if (!mayActOnPatient(principal, patientId)) {
    throw new ForbiddenError(`a ${principal.role} token may not act on patient ${patientId}`);
  }
}

/** Throws ForbiddenError unless the principal has one of the given roles. */
export function assertRole(principal: Principal, ...roles: readonly Role[]): void {
  if (!roles.includes(principal.role)) {
    throw new ForbiddenError(`role ${principal.role} may not do this; allowed: ${roles.join(', ')}`);
  }
}

/**
 * Whether the principal may read this patient's data, given the care team the patient is enrolled with
 * (undefined: no active enrolment known). A clinician sees only patients of their own care teams; every other
 * role is decided by {@link mayActOnPatient} (patient: self; guardian: their patients; auditor, system: all).
 */
export function mayReadPatientOfTeam(principal: Principal, patientId: string, careTeamId: string | undefined): boolean {
  if (principal.role === 'clinician') return careTeamId !== undefined && principal.careTeams.includes(careTeamId);
  return mayActOnPatient(principal, patientId);
}

/**
 * Throws ForbiddenError unless {@link mayReadPatientOfTeam} allows it. A clinician gets the same answer whether the
 * patient is on another team or on none: the 403 must not tell another team that, or where, a person is enrolled.
 */
export function assertMayReadPatientOfTeam(principal: Principal, patientId: string, careTeamId: string | undefined): void {
  if (mayReadPatientOfTeam(principal, patientId, careTeamId)) return;
  if (principal.role !== 'clinician') assertMayActOnPatient(principal, patientId);
  throw new ForbiddenError(notOnYourTeams(principal, patientId));
}

/** The one 403 text for a clinician and a patient not on their teams (naming only the caller's own teams). */
export const notOnYourTeams = (principal: Principal, patientId: string, who = `patient ${patientId}`): string =>
  `${who} is not on one of your care teams (${teamList(principal)}), so you may not see or change their data (helsepersonelloven § 21a)`;

/** Throws ForbiddenError when a clinician names a care team they are not on; other roles may name any team. */
export function assertMayActForCareTeam(principal: Principal, careTeamId: string): void {
  if (principal.role === 'clinician' && !principal.careTeams.includes(careTeamId)) {
    throw new ForbiddenError(`care team ${careTeamId} is not one of yours (${teamList(principal)})`);
  }
}

/**
 * The care teams whose patients a list (the worklist) may show this principal, narrowed to `team` when one is
 * asked for; undefined means every patient. Auditors and systems see all teams; a clinician sees their own and
 * may narrow only to one of them (ForbiddenError otherwise); other roles list no team's patients.
 */
export function careTeamsShownTo(principal: Principal, team?: string): readonly string[] | undefined {
  switch (principal.role) {
    case 'auditor':
    case 'system':
      return team === undefined ? undefined : [team];
    case 'clinician':
      if (team === undefined) return principal.careTeams;
      assertMayActForCareTeam(principal, team);
      return [team];
    case 'patient':
    case 'guardian':
    case 'pathway-designer':
      return [];
    default: {
      const _exhaustive: never = principal.role;
      return _exhaustive;
    }
  }
}

const teamList = (principal: Principal): string =>
  principal.careTeams.length === 0 ? `your token names no care team in '${CLAIMS.careTeams}'` : `your care teams: ${principal.careTeams.join(', ')}`;
