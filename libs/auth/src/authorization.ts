import { ForbiddenError, type Role } from '@varde/core';
import type { Principal } from './principal';

/**
 * Whether the principal may read or act on this patient's data.
 * Staff roles are allowed for now; narrowing them to the care team is described in docs/adr/0004-auth.md.
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
