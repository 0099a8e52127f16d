import { decideAccess, relationOf, type AccessDecision, type AccessQuestion, type DataCategory } from './access-policy';
import { ageOn, osloDate, type Role } from '@varde/core';
import type { Principal } from './principal';

/**
 * The roles whose answer a patient's consents, blocks, emergency accesses or age rules can change: services ask the
 * policy decision point for them and decide by the table alone for the others (a patient's own data; auditors;
 * systems, which gateway assignments narrow; designers, who see no patient data).
 */
export const ROLES_ASKING_THE_POLICY: readonly Role[] = ['clinician', 'guardian'];

/** The obligation of a permit given under emergency access: the read is logged apart and reported. */
export const EMERGENCY_OBLIGATION = 'log-as-emergency-access';

/**
 * Emergency access (akuttilgang): what a clinician outside the care team, or one the patient has blocked, may do
 * for a limited time with a stated reason. Part of the one policy (docs/api/sharing.md, ADR 0017).
 */
export const EMERGENCY_ACCESS = {
  role: 'clinician',
  /** What it opens: reading the clinical data (writing stays with the care team). */
  read: ['measurements', 'forms', 'enrolments', 'triage', 'alerts', 'device-gateways', 'consents'] as readonly DataCategory[],
  /** Whether it overrides a patient's block (sperre): yes, as an emergency overrides the duty of confidentiality. */
  overridesBlocks: true,
  /** Longest time one emergency access lasts. */
  maxMinutes: 240,
  basis: 'helsepersonelloven § 7 (øyeblikkelig hjelp); straffeloven § 17 (nødrett); pasientjournalloven § 16 (tjenstlig behov)',
} as const;

/** The age rules for a guardian acting for a child, by the child's age (pasient- og brukerrettighetsloven § 3-4, § 4-3). */
export const GUARDIAN_AGE_RULES = {
  /** Under this age the guardian acts for the child fully. */
  fullUntil: 12,
  /** From `fullUntil` to this age the child may deny the guardian categories of information; from it, no automatic access. */
  noAccessFrom: 16,
  basis: 'pasient- og brukerrettighetsloven § 3-4 (informasjon når pasienten er under 18 år), § 4-3 (samtykkekompetanse fra 16 år), § 4-5',
} as const;

/** A block (sperre) in force: a consent with provision deny against named parties. */
export type BlockFact = Readonly<{ consentId: string; parties: readonly Readonly<{ kind: string; value: string }>[]; categories: readonly string[] }>;

/** An emergency access opened by this actor for this patient and not yet expired. */
export type EmergencyFact = Readonly<{ grantId: string; reason: string; expiresAt: string }>;

/** A registered guardianship of this actor for this child: the child's birth date and the categories the child denied the guardian. */
export type GuardianshipFact = Readonly<{ relatedPersonId: string; childBirthDate: string; deniedCategories: readonly string[] }>;

/** What sharing knows about a patient that changes the table's answer. */
export type PatientFacts = Readonly<{
  /** The decision's moment (ISO); age rules and periods are judged at it. */
  now: string;
  blocks: readonly BlockFact[];
  emergency?: EmergencyFact;
  /** For a guardian: their registration for this child, when there is one. */
  guardianship?: GuardianshipFact;
}>;

/** The child's age in whole years at `now` (ISO instant), from a birth date `YYYY-MM-DD`: it changes on the birthday (Norwegian date). */
export function childAgeAt(birthDate: string, now: string): number {
  return ageOn(birthDate, osloDate(now));
}

const permit = (relation: AccessDecision['relation'], reason: string, basis: string, obligations: readonly string[] = []): AccessDecision => ({ decision: 'permit', relation, reason, basis, obligations });
const deny = (relation: AccessDecision['relation'], reason: string, basis: string): AccessDecision => ({ decision: 'deny', relation, reason, basis, obligations: [] });

/**
 * Whether a block names this principal — their HPR number, or the organisation they act for — for `category` (any
 * category when none is given).
 */
export function blockNames(block: BlockFact, principal: Pick<Principal, 'hprNumber' | 'organisation'>, category?: DataCategory): boolean {
  if (category !== undefined && block.categories.length > 0 && !block.categories.includes(category)) return false;
  return block.parties.some((p) => (p.kind === 'practitioner' && p.value === principal.hprNumber) || (p.kind !== 'practitioner' && p.kind !== 'related-person' && p.value === principal.organisation));
}

/**
 * The one policy decision: {@link decideAccess} (the table), then a patient's blocks, emergency access and the
 * guardians' age rules. Pure: sharing supplies the facts and the clock. In order:
 * 1. a block naming the actor (HPR number or organisation) denies every read and write by them, unless an
 *    emergency access of theirs is open and the read is one {@link EMERGENCY_ACCESS} allows (obligation
 *    {@link EMERGENCY_OBLIGATION});
 * 2. where the table denies a clinician (not on the care team), an open emergency access permits the reads it allows;
 * 3. a guardian registered in Varde (RelatedPerson, with the child's birth date): child under 12 — as the table
 *    says; 12 to 16 — not the categories the child denied; 16 and over — nothing (the child decides alone).
 */
export function decidePatientAccess(principal: Principal, question: AccessQuestion & { patient: NonNullable<AccessQuestion['patient']> }, facts: PatientFacts): AccessDecision {
  const table = decideAccess(principal, question);
  const relation = relationOf(principal, question.patient);
  const { category, action } = question;
  const emergencyAllows = principal.role === EMERGENCY_ACCESS.role && facts.emergency !== undefined && action === 'read' && EMERGENCY_ACCESS.read.includes(category);
  const emergency = (why: string) =>
    permit(relation, `emergency access (${why}): ${facts.emergency!.reason}`, EMERGENCY_ACCESS.basis, [EMERGENCY_OBLIGATION]);

  const block = principal.role === 'patient' || principal.role === 'guardian' ? undefined : facts.blocks.find((b) => blockNames(b, principal, category));
  if (block !== undefined) {
    if (emergencyAllows && EMERGENCY_ACCESS.overridesBlocks) return emergency(`overrides the patient's block Consent/${block.consentId}`);
    return deny(relation, `the patient has blocked your access to their ${category} (Consent/${block.consentId}); in an emergency, open emergency access with a reason`, 'pasient- og brukerrettighetsloven § 5-3 (rett til å nekte); helsepersonelloven § 25 (taushetsplikt, samtykke)');
  }
  if (table.decision === 'deny') return emergencyAllows ? emergency('outside the care team') : table;
  if (relation !== 'guardian') return table;

  // Without a registration in Varde the identity provider's assertion (the token's patient ids) stands, as the table says.
  const guardianship = facts.guardianship;
  if (guardianship === undefined) return table;
  const age = childAgeAt(guardianship.childBirthDate, facts.now);
  if (age >= GUARDIAN_AGE_RULES.noAccessFrom) return deny(relation, `the child is ${age}: from ${GUARDIAN_AGE_RULES.noAccessFrom} a guardian has no automatic access; the young person decides`, GUARDIAN_AGE_RULES.basis);
  if (age >= GUARDIAN_AGE_RULES.fullUntil && guardianship.deniedCategories.includes(category)) {
    return deny(relation, `the child (${age}) has denied the guardian their ${category}`, GUARDIAN_AGE_RULES.basis);
  }
  return permit(relation, `${table.reason} (child aged ${age})`, `${table.basis}; ${GUARDIAN_AGE_RULES.basis}`);
}
