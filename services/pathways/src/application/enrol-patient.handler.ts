import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { checkNationalId, ValidationError, type CommandMetadata } from '@varde/core';
import { EventStore, handleCommandInTransaction, Transactions } from '@varde/event-sourcing';
import { enrolmentDecider } from '../domain/enrolment.decide';
import { enrolmentStreamId } from '../domain/enrolment.events';
import { PatientIdentityRepository, type PersonName } from './patient-identities.port';
import { PathwayDirectory, type PathwayReference } from './pathway-directory.port';

/** The result of an enrolment request. */
export type EnrolmentResult = Readonly<{ patientId: string; enrolmentId: string; careTeamId: string; created: boolean; admission: number }>;

/**
 * What an enrolment asks for: the person (and their name, when the EHR gives it), the pathway (version) and (else the
 * pathway's default) the care team.
 */
export type EnrolmentRequest = Readonly<{ nationalId: string; name?: PersonName; pathway: PathwayReference; careTeamId?: string }>;

/** Enrols a patient identified by national identity number on a published pathway, with a care team; again after a discharge (a readmission). */
@Injectable()
export class EnrolPatientHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(PatientIdentityRepository) private readonly identities: PatientIdentityRepository,
    @Inject(PathwayDirectory) private readonly pathways: PathwayDirectory,
  ) {}

  /**
   * `authorise` sees the care team, and the patient id when the person is known already, before anything is written
   * (an internal id for a new person is created only once it permits).
   */
  async handle(input: EnrolmentRequest, metadata: CommandMetadata, authorise: (careTeamId: string, knownPatientId: string | undefined) => Promise<unknown>): Promise<EnrolmentResult> {
    const check = checkNationalId(input.nationalId);
    if (!check.valid) throw ValidationError.field('patient.nationalId', check.reason);
    const pathway = await this.pathways.resolve(input.pathway);
    const careTeamId = input.careTeamId ?? pathway.defaultCareTeam;
    await authorise(careTeamId, await this.identities.patientIdOf(input.nationalId));
    const patientId = await this.identities.patientIdFor(input.nationalId);
    const command = { type: 'EnrolPatient', data: { patientId, enrolmentId: randomUUID(), pathway, careTeamId }, metadata } as const;
    // The name beside the identity, not in the event (a name must be erasable, and no other service needs it), but in
    // the event's transaction: an enrolment is never stored without the name it was given, nor a name without it.
    const result = await handleCommandInTransaction(this.transactions, this.store, enrolmentStreamId(patientId), enrolmentDecider, command, async (tx, handled) => {
      if (handled.state.status === 'active' || handled.state.status === 'paused') await this.identities.rememberName(tx, patientId, input.name, handled.state.careTeamId);
      return handled;
    });
    if (result.state.status !== 'active' && result.state.status !== 'paused') throw new Error('enrolment did not take effect');
    return {
      patientId,
      enrolmentId: result.state.enrolmentId,
      careTeamId: result.state.careTeamId,
      admission: result.state.admission,
      created: result.events.length > 0 && !result.alreadyHandled,
    };
  }
}
