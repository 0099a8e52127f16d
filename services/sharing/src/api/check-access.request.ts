import { DATA_CATEGORIES, isRole, type AccessAction, type DataCategory, type Principal } from '@varde/auth';
import type { sharingV1Service } from '@varde/contracts';
import { ROLES, ValidationError, type FieldIssue } from '@varde/core';
import type { PatientAccessQuestion } from '@varde/platform';
import { isPatientId } from './record-access.request';

/** A CheckAccess request as the principal and question the policy decides; INVALID_ARGUMENT naming every bad field otherwise. */
export function checkAccessQuestionFrom(request: sharingV1Service.CheckAccessRequest): { principal: Principal; question: PatientAccessQuestion } {
  const issues: FieldIssue[] = [];
  const actor = request.actor;
  const role = actor?.role ?? '';
  if (!actor?.subject) issues.push({ field: 'actor.subject', message: 'required: the token subject of who wants to act' });
  if (!isRole(role)) issues.push({ field: 'actor.role', message: `expected one of ${ROLES.join(', ')}; got "${role}"` });
  if (request.action !== 'read' && request.action !== 'write') issues.push({ field: 'action', message: `expected read or write; got "${request.action}"` });
  if (!(DATA_CATEGORIES as readonly string[]).includes(request.category)) issues.push({ field: 'category', message: `expected one of ${DATA_CATEGORIES.join(', ')}; got "${request.category}"` });
  if (!isPatientId(request.patientId ?? '')) issues.push({ field: 'patient_id', message: 'expected an internal patient id (UUID)' });
  if (issues.length > 0 || actor === undefined || !isRole(role)) throw new ValidationError(issues);
  const principal: Principal = {
    subject: actor.subject,
    role,
    careTeams: actor.careTeams ?? [],
    scopes: [],
    ...(actor.organisation ? { organisation: actor.organisation } : {}),
    ...(actor.hprNumber ? { hprNumber: actor.hprNumber } : {}),
    ...(actor.patientId ? { patientId: actor.patientId } : {}),
    ...((actor.patientIds ?? []).length > 0 ? { patientIds: actor.patientIds } : {}),
  };
  return {
    principal,
    question: { category: request.category as DataCategory, action: request.action as AccessAction, patient: { id: request.patientId, careTeamId: request.careTeamId || undefined }, careTeamKnown: request.careTeamKnown },
  };
}
