import { ForbiddenError, type Role } from '@varde/core';
import { InsufficientScopeError } from './insufficient-scope.error';
import { notOnYourTeams } from './authorization';
import type { Principal } from './principal';

/**
 * The categories of a patient's data (and of the platform's own data) a route acts on. One scope per category
 * and action ({@link scopeFor}); one row of {@link POLICY_TABLE} per role and relation says which of them a caller
 * may read or write. Documented in docs/api/sharing.md and docs/adr/0007-one-access-policy.md.
 */
export const DATA_CATEGORIES = [
  'measurements',
  'forms',
  'enrolments',
  'triage',
  'alerts',
  'device-gateways',
  'access-log',
  'consents',
  // A patient's whole story across the services (timeline, state as of an instant, FHIR AuditEvent/Provenance
  // exports): auditors only, with a stated reason (issue #22, ADR 0017).
  'audit-trail',
  // Emergency accesses (akuttilgang): opening one (clinicians), and the reports of them to a care team.
  'emergency-access',
  // Platform data that is no patient's: pathway and questionnaire definitions, rule sets, what-if aggregates.
  'definitions',
] as const;

/** One of {@link DATA_CATEGORIES}. */
export type DataCategory = (typeof DATA_CATEGORIES)[number];

/** What a route does with the data. */
export type AccessAction = 'read' | 'write';

/**
 * How the caller stands to the patient whose data it is:
 * - `self`: the patient themselves;
 * - `guardian`: a guardian registered for the patient (token `varde_patient_ids`);
 * - `care-team`: a clinician on the care team of the patient's active enrolment;
 * - `other-team`: a clinician on none of the patient's care teams (or the patient has no active enrolment);
 * - `unrelated`: a patient or guardian token for somebody else;
 * - `any`: a role whose access does not depend on a relation to the patient (auditor, system, pathway designer),
 *   and every caller of a route that is about no single patient.
 */
export type Relation = 'self' | 'guardian' | 'care-team' | 'other-team' | 'unrelated' | 'any';

/** One row of the policy table: what a role in a relation may read and write, and the law it rests on. */
export type PolicyRule = Readonly<{
  role: Role;
  relation: Relation;
  read: readonly DataCategory[];
  write: readonly DataCategory[];
  /** Why the answer is what it is, in words the access log and a 403 can carry. */
  reason: string;
  /** The statute(s) the row rests on. */
  basis: string;
}>;

const PATIENT_OWN_READ: readonly DataCategory[] = ['measurements', 'forms', 'enrolments', 'triage', 'access-log', 'consents', 'definitions'];
const PATIENT_OWN_WRITE: readonly DataCategory[] = ['measurements', 'forms', 'consents'];
const CLINICAL: readonly DataCategory[] = ['measurements', 'forms', 'enrolments', 'triage', 'alerts', 'device-gateways', 'consents'];

/**
 * THE policy table: the one place that says who may do what with which data. Every route declares its category and
 * action ({@link Access}); {@link decideAccess} answers from these rows only. A (role, relation) with no row is
 * denied. Any change here is a change to docs/api/sharing.md's table and needs the same review.
 */
export const POLICY_TABLE: readonly PolicyRule[] = [
  {
    role: 'patient',
    relation: 'self',
    read: PATIENT_OWN_READ,
    write: PATIENT_OWN_WRITE,
    reason: "the patient's own data",
    basis: 'pasient- og brukerrettighetsloven § 5-1 (innsyn); pasientjournalloven § 18 (innsyn i logg)',
  },
  {
    role: 'guardian',
    relation: 'guardian',
    read: PATIENT_OWN_READ,
    write: PATIENT_OWN_WRITE,
    reason: 'a guardian acting for the patient',
    basis: 'pasient- og brukerrettighetsloven §§ 3-4, 4-4 (foreldreansvar), § 5-1',
  },
  {
    role: 'clinician',
    relation: 'care-team',
    // The emergency accesses to the patient, in the team's report: per patient, so a block holds there too. The
    // patient's access log: the treating team answers the patient's questions about who looked and notices a read
    // that should not have been (the read is itself logged).
    read: [...CLINICAL, 'emergency-access', 'access-log', 'definitions'],
    // Emergency access: a member of the team whom the patient has blocked (EMERGENCY_ACCESS, patient-access.ts).
    write: [...CLINICAL, 'emergency-access'],
    reason: "a clinician on the patient's care team, giving health care",
    basis: 'helsepersonelloven § 21a, § 25; pasientjournalloven § 19; pasientjournalloven § 22 (kontroll av tilgang, for the access log)',
  },
  {
    role: 'clinician',
    relation: 'other-team',
    read: ['definitions'],
    // Only by opening an emergency access with a reason (EMERGENCY_ACCESS, patient-access.ts): logged apart, reported.
    write: ['emergency-access'],
    reason: "the patient is not on one of the clinician's care teams: no health-care need (no snooping)",
    basis: 'helsepersonelloven § 21a; pasientjournalloven § 16',
  },
  {
    role: 'clinician',
    relation: 'any',
    read: ['definitions', 'emergency-access'],
    write: [],
    reason: 'clinicians read definitions and their own teams\' lists (and the emergency accesses to their teams\' patients)',
    basis: 'helsepersonelloven § 21a',
  },
  {
    role: 'auditor',
    relation: 'any',
    read: ['measurements', 'forms', 'enrolments', 'triage', 'alerts', 'device-gateways', 'access-log', 'consents', 'audit-trail', 'emergency-access', 'definitions'],
    write: [],
    reason: 'control of access and of decisions (read only)',
    basis: 'pasientjournalloven § 22 (informasjonssikkerhet, kontroll), § 23',
  },
  {
    role: 'system',
    relation: 'any',
    read: ['definitions'],
    write: ['measurements', 'enrolments'],
    reason: 'a device gateway or another trust\'s system submitting data (gateways narrowed further by assignment)',
    basis: 'pasientjournalloven § 19 (databehandling på vegne av virksomheten)',
  },
  {
    role: 'pathway-designer',
    relation: 'any',
    read: ['definitions'],
    write: ['definitions'],
    reason: 'designs pathways, questionnaires and rule sets; sees no patient data',
    basis: 'helsepersonelloven § 21a',
  },
];

/** The answer of the policy decision point: may this caller do this, why, and what must happen if it does. */
export type AccessDecision = Readonly<{
  decision: 'permit' | 'deny';
  reason: string;
  basis: string;
  relation: Relation;
  /** What the service must do when it acts on a permit, e.g. `log-as-emergency-access`. */
  obligations: readonly string[];
}>;

/** What is asked of the policy: a category and action, and the patient (with their care team) when there is one. */
export type AccessQuestion = Readonly<{
  category: DataCategory;
  action: AccessAction;
  /** The patient whose data it is; absent for a route about no single patient. */
  patient?: Readonly<{ id: string; careTeamId?: string | undefined }>;
}>;

/** How `principal` stands to the patient of `question` ({@link Relation}). */
export function relationOf(principal: Principal, patient: AccessQuestion['patient']): Relation {
  if (patient === undefined) return 'any';
  switch (principal.role) {
    case 'patient':
      return principal.patientId === patient.id ? 'self' : 'unrelated';
    case 'guardian':
      return principal.patientIds?.includes(patient.id) ? 'guardian' : 'unrelated';
    case 'clinician':
      return patient.careTeamId !== undefined && principal.careTeams.includes(patient.careTeamId) ? 'care-team' : 'other-team';
    case 'auditor':
    case 'system':
    case 'pathway-designer':
      return 'any';
    default: {
      const _exhaustive: never = principal.role;
      return _exhaustive;
    }
  }
}

/** The row of {@link POLICY_TABLE} for a role in a relation, if any. */
export function policyRule(role: Role, relation: Relation): PolicyRule | undefined {
  return POLICY_TABLE.find((rule) => rule.role === role && rule.relation === relation);
}

/** Decides a question from {@link POLICY_TABLE} alone (consent, blocks and emergency access are added by sharing). */
export function decideAccess(principal: Principal, question: AccessQuestion): AccessDecision {
  const relation = relationOf(principal, question.patient);
  const rule = policyRule(principal.role, relation);
  const what = `${question.action} ${question.category}`;
  if (rule === undefined) {
    return { decision: 'deny', relation, obligations: [], basis: 'pasientjournalloven § 16', reason: `a ${principal.role} may not ${what} of a patient who is not theirs` };
  }
  const allowed = question.action === 'read' ? rule.read : rule.write;
  if (!allowed.includes(question.category)) {
    return { decision: 'deny', relation, obligations: [], basis: rule.basis, reason: `a ${principal.role} (${relation}) may not ${what}: ${rule.reason}` };
  }
  return { decision: 'permit', relation, obligations: [], basis: rule.basis, reason: rule.reason };
}

/** The roles that may do `action` on `category` in some relation: who gets past the route at all. */
export function rolesAllowed(category: DataCategory, action: AccessAction): readonly Role[] {
  return [...new Set(POLICY_TABLE.filter((rule) => (action === 'read' ? rule.read : rule.write).includes(category)).map((rule) => rule.role))];
}

/**
 * Throws unless the token carries the question's scope ({@link InsufficientScopeError}) and {@link decideAccess}
 * permits (ForbiddenError with the policy's reason); returns the permit.
 */
export function assertAccess(principal: Principal, question: AccessQuestion): AccessDecision {
  assertScope(principal, question);
  const decision = decideAccess(principal, question);
  if (decision.decision === 'permit') return decision;
  throw accessRefusal(principal, question, decision);
}

/** Throws {@link InsufficientScopeError} unless the token carries the scope of the question's category and action. */
export function assertScope(principal: Principal, question: Pick<AccessQuestion, 'category' | 'action'>): void {
  const scope = scopeFor(question.category, question.action);
  if (!principal.scopes.includes(scope)) throw new InsufficientScopeError(scope);
}

/**
 * The 403 for a denial. A clinician not on the patient's care team gets one text whatever team the patient is on
 * (or none), naming only their own teams: a 403 must not tell another team where a patient is. Every other denial
 * (a block, a guardian's age rule) carries the policy's reason. `who` names the patient (default `patient <id>`; a
 * caller who named them by national id is not told the internal id).
 */
export function accessRefusal(principal: Principal, question: AccessQuestion, decision: AccessDecision, who?: string): ForbiddenError {
  const patient = question.patient;
  if (patient !== undefined && principal.role === 'clinician' && decision.relation !== 'care-team') return new ForbiddenError(notOnYourTeams(principal, patient.id, who), patient.id);
  return new ForbiddenError(decision.reason, patient?.id);
}

/** The OAuth scope a token needs to `action` on `category`: `varde/<category>.<read|write>`. */
export function scopeFor(category: DataCategory, action: AccessAction): string {
  return `varde/${category}.${action}`;
}

/** Every scope a role can use: one per category and action some row of {@link POLICY_TABLE} gives the role. */
export function scopesOfRole(role: Role): readonly string[] {
  const rules = POLICY_TABLE.filter((rule) => rule.role === role);
  const scopes = rules.flatMap((rule) => [...rule.read.map((c) => scopeFor(c, 'read')), ...rule.write.map((c) => scopeFor(c, 'write'))]);
  return [...new Set(scopes)].sort();
}
