import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { ValidationError, type CommandMetadata } from '@varde/core';
import { handleCommand } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { enrolmentDecider } from '../domain/enrolment.decide';
import { enrolmentStreamId } from '../domain/enrolment.events';
import { checkNationalId } from '../domain/national-id';
import { PATHWAYS } from '../domain/pathway-catalogue';
import { PatientIdentityRepository } from '../infrastructure/patient-identity.repository';

/** The result of an enrolment request. */
export type EnrolmentResult = Readonly<{ patientId: string; enrolmentId: string; created: boolean }>;

/** Enrols a patient identified by national identity number on a published pathway. */
@Injectable()
export class EnrolPatientHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(PatientIdentityRepository) private readonly identities: PatientIdentityRepository,
  ) {}

  async handle(input: { nationalId: string; pathwayId: string }, metadata: CommandMetadata): Promise<EnrolmentResult> {
    const check = checkNationalId(input.nationalId);
    if (!check.valid) throw ValidationError.field('patient.nationalId', check.reason);
    const pathway = PATHWAYS[input.pathwayId];
    if (!pathway) throw ValidationError.field('pathway', `unknown pathway "${input.pathwayId}"; published pathways: ${Object.keys(PATHWAYS).join(', ')}`);
    const patientId = await this.identities.patientIdFor(input.nationalId);
    const result = await handleCommand(
      this.store,
      enrolmentStreamId(patientId),
      enrolmentDecider,
      { type: 'EnrolPatient', data: { patientId, enrolmentId: randomUUID(), pathway }, metadata },
    );
    if (result.state.status !== 'enrolled') throw new Error('enrolment did not take effect');
    return { patientId, enrolmentId: result.state.enrolmentId, created: result.events.length > 0 && !result.alreadyHandled };
  }
}
