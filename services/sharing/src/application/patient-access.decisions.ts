import { Inject, Injectable } from '@nestjs/common';
import { DATA_CATEGORIES, decidePatientAccess, type AccessDecision, type BlockFact, type Principal } from '@varde/auth';
import { AccessPolicy, EnrolmentDirectory, type PatientAccessQuestion } from '@varde/platform';
import { inForce } from '../domain/consent.events';
import { Consents } from './consents.port';
import { EmergencyAccesses } from './emergency-accesses.port';
import { Guardianships } from './guardianships.port';

/**
 * The policy decision point: the table (libs/auth `decidePatientAccess`) with what sharing knows of the patient —
 * blocks in force, the actor's open emergency access, a guardian's registration and what the child denied them. Asked over
 * gRPC (`CheckAccess`) by every service and in-process, as the {@link AccessPolicy} other services reach over gRPC, by
 * sharing's own routes.
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
    const [consents, emergency, registration] = await Promise.all([
      this.consents.ofPatient(patientId),
      principal.role === 'clinician' ? this.emergencies.openFor(patientId, principal.subject, now) : undefined,
      principal.role === 'guardian' ? this.guardianships.of(principal.subject, patientId) : undefined,
    ]);
    // Every deny in force: a block on the parties it names, and for a guardian what the child denied them.
    const blocks: BlockFact[] = consents
      .map((c) => c.current)
      .filter((c) => c.terms.provision === 'deny' && inForce(c.terms, now))
      .map((c) => ({ consentId: c.consentId, parties: c.terms.parties, categories: c.terms.categories }));
    const guardianship = registration && {
      relatedPersonId: registration.relatedPersonId,
      childBirthDate: registration.childBirthDate,
      // The denials naming the RelatedPerson; none naming categories means every category.
      deniedCategories: blocks
        .filter((b) => b.parties.some((p) => p.kind === 'related-person' && p.value === registration.relatedPersonId))
        .flatMap((b) => (b.categories.length > 0 ? b.categories : DATA_CATEGORIES)),
    };
    return decidePatientAccess(principal, { category: question.category, action: question.action, patient: { id: patientId, careTeamId } }, {
      now,
      blocks,
      ...(emergency ? { emergency: { grantId: emergency.grantId, reason: emergency.reason, expiresAt: emergency.expiresAt } } : {}),
      ...(guardianship ? { guardianship } : {}),
    });
  }
}
