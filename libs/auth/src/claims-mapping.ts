import { UnauthorizedError } from '@varde/core';
import { CARE_TEAM_ID, isRole, type Principal } from './principal';

/** Names of the token claims Varde reads (mapping documented in docs/adr/0004-auth.md). */
export const CLAIMS = {
  role: 'varde_role',
  patientId: 'varde_patient_id',
  patientIds: 'varde_patient_ids',
  careTeams: 'varde_care_teams',
  organisation: 'varde_org',
  helseIdOrganisation: 'helseid://claims/client/claims/orgnr_parent',
  hprNumber: 'helseid://claims/hpr/hpr_number',
  clientId: 'client_id',
  scope: 'scope',
} as const;

// Norwegian national identity numbers (fødselsnummer, D-number) are 11 digits. They must never become a
// principal's patient id, because patient ids end up in logs, event metadata and Kafka keys.
const NATIONAL_ID = /^\d{11}$/;

/**
 * Maps the verified claims of an access token to a {@link Principal}.
 * Throws UnauthorizedError when a claim the role depends on is missing or malformed.
 */
export function principalFromClaims(claims: Readonly<Record<string, unknown>>): Principal {
  const clientId = optionalString(claims, CLAIMS.clientId);
  const subject = optionalString(claims, 'sub') ?? clientId;
  if (subject === undefined) throw new UnauthorizedError("token has neither a 'sub' nor a 'client_id' claim");

  const role = claims[CLAIMS.role];
  if (role === undefined) throw new UnauthorizedError(`token has no '${CLAIMS.role}' claim`);
  if (!isRole(role)) throw new UnauthorizedError(`token role ${JSON.stringify(role)} is not a Varde role`);

  const organisation = optionalString(claims, CLAIMS.helseIdOrganisation) ?? optionalString(claims, CLAIMS.organisation);
  const hprNumber = optionalString(claims, CLAIMS.hprNumber);
  if (hprNumber !== undefined && !/^\d{1,9}$/.test(hprNumber)) throw new UnauthorizedError(`token claim '${CLAIMS.hprNumber}' must be an HPR number (up to 9 digits)`);
  const principal = {
    subject,
    role,
    scopes: scopesOf(claims[CLAIMS.scope]),
    careTeams: careTeamsOf(claims[CLAIMS.careTeams]),
    ...(organisation === undefined ? {} : { organisation }),
    ...(hprNumber === undefined ? {} : { hprNumber }),
    ...(clientId === undefined ? {} : { clientId }),
  };

  if (role === 'patient') {
    const patientId = optionalString(claims, CLAIMS.patientId);
    if (patientId === undefined) throw new UnauthorizedError(`patient token has no '${CLAIMS.patientId}' claim`);
    return { ...principal, patientId: internalPatientId(patientId) };
  }
  if (role === 'guardian') {
    const patientIds = claims[CLAIMS.patientIds];
    if (!Array.isArray(patientIds) || patientIds.length === 0 || !patientIds.every((id) => typeof id === 'string' && id !== '')) {
      throw new UnauthorizedError(`guardian token needs a '${CLAIMS.patientIds}' claim: a non-empty array of patient ids`);
    }
    return { ...principal, patientIds: patientIds.map(internalPatientId) };
  }
  return principal;
}

function optionalString(claims: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UnauthorizedError(`token claim '${name}' must be a non-empty string`);
  return value;
}

// HelseID (IdentityServer) emits `scope` as a JSON array; RFC 9068 access tokens use a space-separated string.
function scopesOf(scope: unknown): readonly string[] {
  if (scope === undefined) return [];
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '');
  if (Array.isArray(scope) && scope.every((s) => typeof s === 'string')) return scope;
  throw new UnauthorizedError("token claim 'scope' must be a space-separated string or an array of strings");
}

function careTeamsOf(careTeams: unknown): readonly string[] {
  if (careTeams === undefined) return [];
  if (!Array.isArray(careTeams) || !careTeams.every((team) => typeof team === 'string' && CARE_TEAM_ID.test(team))) {
    throw new UnauthorizedError(`token claim '${CLAIMS.careTeams}' must be an array of care team ids (lower-case letters, digits and hyphens)`);
  }
  return careTeams;
}

function internalPatientId(id: string): string {
  if (NATIONAL_ID.test(id)) {
    throw new UnauthorizedError('token carries what looks like a national identity number as patient id; use the internal Varde patient id');
  }
  return id;
}
