import { Inject, Injectable } from '@nestjs/common';
import { blockNames, DATA_CATEGORIES, decidePatientAccess, type AccessDecision, type BlockFact, type Principal } from '@varde/auth';
import { AccessPolicy, EnrolmentDirectory, type BatchAccessQuestion, type ListedPatient, type PatientAccessQuestion } from '@varde/platform';
import { inForce } from '../domain/consent.events';
import type { EmergencyAccessGrant } from '../domain/emergency-access.events';
import type { Guardianship } from '../domain/guardianship.events';
import { Consents, type StoredConsent } from './consents.port';
import { EmergencyAccesses } from './emergency-accesses.port';
import { Guardianships } from './guardianships.port';

/** What sharing knows of one patient that the table does not: their consents, and the actor's emergency access and guardianship. */
type KnownOfPatient = Readonly<{ consents: readonly StoredConsent[]; emergency?: EmergencyAccessGrant; registration?: Guardianship }>;

/**
 * The policy decision point: the table (libs/auth `decidePatientAccess`) with what sharing knows of the patient —
 * blocks in force, the actor's open emergency access, a guardian's registration and what the child denied them. Asked over
 * gRPC (`CheckAccess`, `CheckAccessBatch`) by every service and in-process, as the {@link AccessPolicy} other services
 * reach over gRPC, by sharing's own routes. One patient or a list: the same facts, read in one go, and the same function.
 */
@Injectable()
export class PatientAccessDecisions extends AccessPolicy {
  constructor(
    @Inject(Consents) private readonly consents: Consents,
    @Inject(EmergencyAccesses) private readonly emergencies: EmergencyAccesses,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
    @Inject(Guardianships) private readonly guardianships: Guardianships,
  ) {
    super();
  }

  /** Decides at `now` (ISO); asks pathways for the care team of a clinician's question when it came without one. */
  override async decide(principal: Principal, question: PatientAccessQuestion, now: string = new Date().toISOString()): Promise<AccessDecision> {
    const patientId = question.patient.id;
    const lookUp = principal.role === 'clinician' && !question.patient.careTeamId && question.careTeamKnown !== true;
    const careTeamId = question.patient.careTeamId || (lookUp ? (await this.enrolments.active(patientId))?.careTeamId || undefined : undefined);
    const decisions = await this.decideAt(principal, { category: question.category, action: question.action, patients: [{ id: patientId, careTeamId }] }, now);
    return decisions.get(patientId)!;
  }

  /**
   * Decides at `now` for every patient of `question` (their care teams as given), and with `includeOpenEmergencyAccesses`
   * for every other patient the actor holds an open emergency access to (care team unknown here: decided as outside it).
   */
  override decideMany(principal: Principal, question: BatchAccessQuestion, now: string = new Date().toISOString()): Promise<ReadonlyMap<string, AccessDecision>> {
    return this.decideAt(principal, question, now);
  }

  private async decideAt(principal: Principal, question: BatchAccessQuestion, now: string): Promise<ReadonlyMap<string, AccessDecision>> {
    const asked = new Set(question.patients.map((p) => p.id));
    const extra: readonly ListedPatient[] =
      question.includeOpenEmergencyAccesses === true && principal.role === 'clinician'
        ? [...new Set((await this.emergencies.openOfSubject(principal.subject, now)).map((g) => g.patientId))].filter((id) => !asked.has(id)).map((id) => ({ id }))
        : [];
    const patients = [...question.patients, ...extra];
    const known = await this.knownOf(principal, patients.map((p) => p.id), now);
    return new Map(
      patients.map((patient) => [
        patient.id,
        this.decideFor(principal, { category: question.category, action: question.action, patient: { id: patient.id, careTeamId: patient.careTeamId || undefined } }, known.get(patient.id) ?? { consents: [] }, now),
      ]),
    );
  }

  // One read per kind of fact for all the patients: consents, the actor's emergency accesses, a guardian's registrations.
  private async knownOf(principal: Principal, patientIds: readonly string[], now: string): Promise<ReadonlyMap<string, KnownOfPatient>> {
    const [consents, emergencies, registrations] = await Promise.all([
      this.consents.ofPatients(patientIds),
      principal.role === 'clinician' ? this.emergencies.covering(patientIds.map((patientId) => ({ patientId, subject: principal.subject, at: now }))) : [],
      principal.role === 'guardian' ? Promise.all(patientIds.map((id) => this.guardianships.of(principal.subject, id))) : [],
    ]);
    return new Map(
      patientIds.map((id, index) => {
        // The latest ending of the actor's open emergency accesses to the patient.
        const emergency = emergencies.filter((g) => g.patientId === id).sort((a, b) => b.expiresAt.localeCompare(a.expiresAt))[0];
        const registration = registrations[index];
        return [id, { consents: consents.get(id) ?? [], ...(emergency ? { emergency } : {}), ...(registration ? { registration } : {}) }];
      }),
    );
  }

  /** The Consent ids of the blocks in force at `now` that name this actor, whatever they cover: what an emergency access of theirs overrides. */
  async blocksNaming(actor: Pick<Principal, 'hprNumber' | 'organisation'>, patientId: string, now: string): Promise<readonly string[]> {
    const consents = (await this.consents.ofPatients([patientId])).get(patientId) ?? [];
    return denialsInForce(consents, now)
      .filter((block) => blockNames(block, actor))
      .map((block) => block.consentId);
  }

  private decideFor(principal: Principal, question: PatientAccessQuestion, known: KnownOfPatient, now: string): AccessDecision {
    // Every deny in force: a block on the parties it names, and for a guardian what the child denied them.
    const blocks = denialsInForce(known.consents, now);
    const { emergency, registration } = known;
    const guardianship = registration && {
      relatedPersonId: registration.relatedPersonId,
      childBirthDate: registration.childBirthDate,
      // The denials naming the RelatedPerson; none naming categories means every category.
      deniedCategories: blocks
        .filter((b) => b.parties.some((p) => p.kind === 'related-person' && p.value === registration.relatedPersonId))
        .flatMap((b) => (b.categories.length > 0 ? b.categories : DATA_CATEGORIES)),
    };
    return decidePatientAccess(principal, question, {
      now,
      blocks,
      ...(emergency ? { emergency: { grantId: emergency.grantId, reason: emergency.reason, expiresAt: emergency.expiresAt } } : {}),
      ...(guardianship ? { guardianship } : {}),
    });
  }
}

// A patient's consents that deny (blocks, and a child's denials to a guardian) in force at `now`.
function denialsInForce(consents: readonly StoredConsent[], now: string): BlockFact[] {
  return consents
    .map((c) => c.current)
    .filter((c) => c.terms.provision === 'deny' && inForce(c.terms, now))
    .map((c) => ({ consentId: c.consentId, parties: c.terms.parties, categories: c.terms.categories }));
}
