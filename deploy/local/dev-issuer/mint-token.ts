import { randomUUID } from 'node:crypto';
import { CARE_TEAM_ID, CLAIMS, isRole, scopesOfRole } from '@varde/auth';
import { ROLES, ValidationError, type Role } from '@varde/core';
import { SignJWT } from 'jose';
import { loadOrCreateDevKeys } from './dev-keys';

/** Issuer URL of the local development issuer, and the audience every Varde service expects by default. */
export const DEV_ISSUER_URL = 'http://127.0.0.1:8090';
/** Default audience (`aud`) of Varde access tokens. */
export const DEFAULT_AUDIENCE = 'varde';
/** Fake organisation number put into dev tokens of staff and system roles. */
export const DEV_ORGANISATION = '999999999';

/** The care team of dev clinician tokens unless told otherwise: the default team of the COPD pathway. */
export const DEV_CARE_TEAMS: readonly string[] = ['copd-care-team'];

/** Lifetime of a dev token unless told otherwise. */
export const DEFAULT_TTL_SECONDS = 3600;

/**
 * Scopes a dev token of each role gets unless told otherwise: every scope the policy table lets the role use
 * (`scopesOfRole`, catalogue in docs/api/sharing.md), so dev tokens and route declarations cannot drift apart.
 */
export const DEFAULT_SCOPES: Readonly<Record<Role, readonly string[]>> = Object.fromEntries(ROLES.map((role) => [role, scopesOfRole(role)])) as Record<Role, readonly string[]>;

/** What a development token says about its holder. */
export type DevTokenOptions = Readonly<{
  role: Role;
  /** Required for a patient: their internal patient id. */
  patientId?: string;
  /** Required for a guardian: the internal patient ids they act for. */
  patientIds?: readonly string[];
  /** For a clinician: the care teams they work in; default {@link DEV_CARE_TEAMS}. */
  careTeams?: readonly string[];
  subject?: string;
  organisation?: string;
  /** For a clinician: their HPR number (HelseID `hpr_number`). */
  hprNumber?: string;
  scopes?: readonly string[];
  /** Lifetime in seconds; default {@link DEFAULT_TTL_SECONDS}. */
  ttlSeconds?: number;
  /** Issue time; default now. Set it in the past to mint an already-expired token. */
  issuedAt?: Date;
  issuer?: string;
  audience?: string;
  /** Folder of the dev keys; default {@link defaultDevKeysDir}. */
  keysDir?: string;
}>;

/** Mints an HelseID-shaped access token signed with the local dev key. DEVELOPMENT ONLY. */
export async function mintDevToken(options: DevTokenOptions): Promise<string> {
  const { role, ttlSeconds = DEFAULT_TTL_SECONDS } = options;
  if (role === 'patient' && !options.patientId) throw ValidationError.field('patientId', 'a patient token needs the patient id');
  if (role === 'guardian' && (options.patientIds ?? []).length === 0) {
    throw ValidationError.field('patientIds', 'a guardian token needs at least one patient id');
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw ValidationError.field('ttlSeconds', 'must be a positive whole number of seconds');
  checkCareTeams(role, options.careTeams, 'careTeams');

  const keys = await loadOrCreateDevKeys(options.keysDir);
  const issuedAt = Math.floor((options.issuedAt ?? new Date()).getTime() / 1000);
  const organisation = options.organisation ?? (role === 'patient' || role === 'guardian' ? undefined : DEV_ORGANISATION);
  const claims: Record<string, unknown> = {
    [CLAIMS.clientId]: 'varde-dev',
    [CLAIMS.scope]: devTokenScopes(options).join(' '),
    ...holderClaims(options),
    ...(organisation === undefined ? {} : { [CLAIMS.helseIdOrganisation]: organisation }),
    ...(options.hprNumber === undefined ? {} : { [CLAIMS.hprNumber]: options.hprNumber }),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'at+jwt' })
    .setSubject(options.subject ?? defaultSubject(options))
    .setIssuer(options.issuer ?? DEV_ISSUER_URL)
    .setAudience(options.audience ?? DEFAULT_AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(keys.privateKey);
}

/**
 * Mints the OpenID Connect ID token that goes with a dev access token from the authorization code flow: who
 * signed in (same subject), for which client (`aud`), echoing the authorization request's nonce. DEVELOPMENT ONLY.
 */
export async function mintDevIdToken(options: DevTokenOptions & Readonly<{ clientId: string; nonce?: string }>): Promise<string> {
  const { ttlSeconds = DEFAULT_TTL_SECONDS } = options;
  const keys = await loadOrCreateDevKeys(options.keysDir);
  const issuedAt = Math.floor((options.issuedAt ?? new Date()).getTime() / 1000);
  const claims: Record<string, unknown> = {
    ...holderClaims(options),
    ...(options.nonce ? { nonce: options.nonce } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
    .setSubject(options.subject ?? defaultSubject(options))
    .setIssuer(options.issuer ?? DEV_ISSUER_URL)
    .setAudience(options.clientId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(keys.privateKey);
}

// Who the holder is: role, and the patients or care teams the role carries.
function holderClaims(options: DevTokenOptions): Record<string, unknown> {
  const { role } = options;
  return {
    [CLAIMS.role]: role,
    ...(role === 'patient' ? { [CLAIMS.patientId]: options.patientId } : {}),
    ...(role === 'guardian' ? { [CLAIMS.patientIds]: options.patientIds } : {}),
    ...(role === 'clinician' ? { [CLAIMS.careTeams]: options.careTeams ?? DEV_CARE_TEAMS } : {}),
  };
}

/** The scopes a dev token gets: those asked for, else the role's defaults. */
export function devTokenScopes(options: Pick<DevTokenOptions, 'role' | 'scopes'>): readonly string[] {
  return options.scopes ?? DEFAULT_SCOPES[options.role];
}

function checkCareTeams(role: Role, teams: readonly string[] | undefined, field: string): void {
  if (teams === undefined) return;
  if (role !== 'clinician') throw ValidationError.field(field, `only clinician tokens carry care teams, not ${role}`);
  const bad = teams.find((team) => !CARE_TEAM_ID.test(team));
  if (bad !== undefined) throw ValidationError.field(field, `"${bad}" is not a care team id (lower-case letters, digits and hyphens, e.g. copd-care-team)`);
}

function defaultSubject(options: DevTokenOptions): string {
  return options.role === 'patient' ? `dev-patient-${options.patientId}` : `dev-${options.role}`;
}

/** A token request in text form, as the `token` script's flags and the dev issuer's `POST /token` fields give it. */
export type DevTokenRequest = Readonly<{
  role?: string;
  /** One patient id for a patient; comma-separated ids for a guardian. */
  patient?: string;
  /** Comma-separated care team ids of a clinician. */
  team?: string;
  subject?: string;
  organisation?: string;
  /** Space-separated scopes, replacing the role's defaults. */
  scope?: string;
  /** Lifetime in seconds. */
  ttl?: string;
}>;

/** Validates a text token request into {@link DevTokenOptions}; throws ValidationError naming the bad field. */
export function parseDevTokenRequest(request: DevTokenRequest): DevTokenOptions {
  const { role } = request;
  if (role === undefined || role === '') throw ValidationError.field('role', `is required; one of ${ROLES.join(', ')}`);
  if (!isRole(role)) throw ValidationError.field('role', `"${role}" is not one of ${ROLES.join(', ')}`);
  const patients = (request.patient ?? '').split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (role !== 'patient' && role !== 'guardian' && patients.length > 0) {
    throw ValidationError.field('patient', `only patient and guardian tokens carry patient ids, not ${role}`);
  }
  if (role === 'patient' && patients.length !== 1) throw ValidationError.field('patient', 'a patient token needs exactly one patient id');
  if (role === 'guardian' && patients.length === 0) throw ValidationError.field('patient', 'a guardian token needs one or more patient ids');
  const teams = request.team === undefined ? undefined : request.team.split(',').map((id) => id.trim()).filter((id) => id !== '');
  checkCareTeams(role, teams, 'team');
  const ttlSeconds = request.ttl === undefined ? undefined : Number(request.ttl);
  return {
    role,
    ...(role === 'patient' ? { patientId: patients[0] } : {}),
    ...(role === 'guardian' ? { patientIds: patients } : {}),
    ...(teams === undefined ? {} : { careTeams: teams }),
    ...(request.subject ? { subject: request.subject } : {}),
    ...(request.organisation ? { organisation: request.organisation } : {}),
    ...(request.scope ? { scopes: request.scope.split(' ').filter((s) => s !== '') } : {}),
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
  };
}
