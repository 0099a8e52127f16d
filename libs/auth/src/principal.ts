import { ROLES, type Actor, type Role } from '@varde/core';

/**
 * The authenticated caller, as the platform sees it after verifying a bearer token.
 * It never holds the raw token (`token?: never`), so it can be logged and put into event metadata safely.
 */
export type Principal = Readonly<{
  /** The token's `sub` (or `client_id` for machine clients): an opaque id, never a national identity number. */
  subject: string;
  role: Role;
  /** For a patient: their own internal patient id. */
  patientId?: string;
  /** For a guardian: the internal patient ids they may act for. */
  patientIds?: readonly string[];
  /**
   * The care teams the caller works in (token claim `varde_care_teams`); a clinician reads the data only of
   * patients enrolled with one of them. Empty when the token names none.
   */
  careTeams: readonly string[];
  /** Organisation number of the caller's organisation (HelseID `orgnr_parent`). */
  organisation?: string;
  /** HPR number of a health professional (HelseID `hpr_number`): what a patient's block on a named professional matches. */
  hprNumber?: string;
  scopes: readonly string[];
  clientId?: string;
  token?: never;
}>;

/** True when `value` is one of the platform's {@link ROLES}. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The actor recorded in command and event metadata for what this principal does. */
export function toActor(principal: Principal): Actor {
  return {
    subject: principal.subject,
    role: principal.role,
    ...(principal.organisation === undefined ? {} : { organisation: principal.organisation }),
    ...(principal.hprNumber === undefined ? {} : { hprNumber: principal.hprNumber }),
  };
}

/** The shape of a care team id, e.g. `lungepoliklinikken-ahus`: lower-case letters, digits and hyphens. */
export const CARE_TEAM_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
