import { DATA_CATEGORIES, isRole, type AccessAction, type DataCategory, type Principal } from '@varde/auth';
import type { sharingV1Service } from '@varde/contracts';
import { ROLES, ValidationError, type FieldIssue } from '@varde/core';
import type { BatchAccessQuestion, PatientAccessQuestion } from '@varde/platform';
import { isPatientId } from './record-access.request';

/** Most patients one CheckAccessBatch call may ask about; longer lists are split by the caller. */
export const MAX_PATIENTS_PER_BATCH = 1000;

type Asked = Readonly<{ actor?: sharingV1Service.AccessSubject | undefined; action: string; category: string }>;

/** A CheckAccess request as the principal and question the policy decides; INVALID_ARGUMENT naming every bad field otherwise. */
export function checkAccessQuestionFrom(request: sharingV1Service.CheckAccessRequest): { principal: Principal; question: PatientAccessQuestion } {
  const issues: FieldIssue[] = [];
  const asked = askedFrom(request, issues);
  if (!isPatientId(request.patientId ?? '')) issues.push({ field: 'patient_id', message: 'expected an internal patient id (UUID)' });
  if (issues.length > 0 || asked === undefined) throw new ValidationError(issues);
  return {
    principal: asked.principal,
    question: { ...asked.question, patient: { id: request.patientId, careTeamId: request.careTeamId || undefined }, careTeamKnown: request.careTeamKnown },
  };
}

/** A CheckAccessBatch request as the principal and batch question; INVALID_ARGUMENT naming every bad field (`patients[2].patient_id`) otherwise. */
export function checkAccessBatchFrom(request: sharingV1Service.CheckAccessBatchRequest): { principal: Principal; question: BatchAccessQuestion } {
  const issues: FieldIssue[] = [];
  const asked = askedFrom(request, issues);
  const patients = request.patients ?? [];
  if (patients.length > MAX_PATIENTS_PER_BATCH) issues.push({ field: 'patients', message: `at most ${MAX_PATIENTS_PER_BATCH} patients per call; got ${patients.length}` });
  patients.forEach((p, index) => {
    if (!isPatientId(p.patientId ?? '')) issues.push({ field: `patients[${index}].patient_id`, message: 'expected an internal patient id (UUID)' });
  });
  if (issues.length > 0 || asked === undefined) throw new ValidationError(issues);
  return {
    principal: asked.principal,
    question: {
      ...asked.question,
      patients: patients.map((p) => ({ id: p.patientId, careTeamId: p.careTeamId || undefined })),
      includeOpenEmergencyAccesses: request.includeOpenEmergencyAccesses,
    },
  };
}

// The actor, action and category every question has; their problems go into `issues`.
function askedFrom(request: Asked, issues: FieldIssue[]): { principal: Principal; question: { category: DataCategory; action: AccessAction } } | undefined {
  const actor = request.actor;
  const role = actor?.role ?? '';
  if (!actor?.subject) issues.push({ field: 'actor.subject', message: 'required: the token subject of who wants to act' });
  if (!isRole(role)) issues.push({ field: 'actor.role', message: `expected one of ${ROLES.join(', ')}; got "${role}"` });
  if (request.action !== 'read' && request.action !== 'write') issues.push({ field: 'action', message: `expected read or write; got "${request.action}"` });
  if (!(DATA_CATEGORIES as readonly string[]).includes(request.category)) issues.push({ field: 'category', message: `expected one of ${DATA_CATEGORIES.join(', ')}; got "${request.category}"` });
  if (actor === undefined || !isRole(role)) return undefined;
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
  return { principal, question: { category: request.category as DataCategory, action: request.action as AccessAction } };
}
