import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, type CommandMetadata } from '@varde/core';
import { EventStore, handleCommand } from '@varde/event-sourcing';
import { contactDecider, contactStreamId, type ContactDetails, type ContactRecorded } from '../domain/contact.decide';
import type { EnrolmentState } from '../domain/enrolment.events';
import { EnrolmentStreams } from './enrolment-streams.port';

/** Records a clinician's contact with a patient against the enrolment as it is now. */
@Injectable()
export class RecordContactHandler {
  constructor(
    @Inject(EnrolmentStreams) private readonly enrolments: EnrolmentStreams,
    @Inject(EventStore) private readonly store: EventStore,
  ) {}

  /** `authorise` sees the enrolment (its care team) before anything is written; the contact as recorded. */
  async handle(patientId: string, contact: ContactDetails, metadata: CommandMetadata, authorise: (enrolment: Exclude<EnrolmentState, { status: 'not-enrolled' }>) => void): Promise<ContactRecorded['data']> {
    const { state } = await this.enrolments.load(patientId);
    if (state.status === 'not-enrolled') throw new NotFoundError(`Patient ${patientId} has never been enrolled`);
    authorise(state);
    const result = await handleCommand(this.store, contactStreamId(patientId), contactDecider, { type: 'RecordContact', data: { ...contact, enrolment: state }, metadata });
    const recorded = result.events[0];
    if (!recorded) throw new Error('the contact was not recorded');
    return recorded.data;
  }
}
