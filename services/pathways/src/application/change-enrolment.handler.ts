import { Inject, Injectable } from '@nestjs/common';
import { ConcurrencyError, NotFoundError, type CommandMetadata } from '@varde/core';
import { decideOnStream, Transactions } from '@varde/event-sourcing';
import { enrolmentDecider, type EnrolmentCommand } from '../domain/enrolment.decide';
import type { EnrolmentState } from '../domain/enrolment.events';
import { EnrolmentStreams } from './enrolment-streams.port';
import { PatientIdentityRepository } from './patient-identities.port';
import { TaskSchedule } from './schedule/task-schedule.port';
import { enrolmentView, type EnrolmentView } from './enrolment.query';

/** A lifecycle command without its metadata (pause, resume, change pathway or care team, discharge). */
export type EnrolmentChange = Omit<Exclude<EnrolmentCommand, { type: 'EnrolPatient' }>, 'metadata'>;

/**
 * Pause, resume, change pathway, change care team, discharge: load the patient's stream → authorise against the
 * care team it holds → decide → append at the version read (or the one the caller saw, `If-Match`), with when the
 * patient's pause ends by itself (the schedule's `enrolment_pause_ends`), and the care team a kept name is searched
 * under, in the same transaction. No retry on
 * a conflict: when two clinicians change the same enrolment at once, the second is told (409) and sees the
 * current state, rather than having their change applied to a state they never saw.
 */
@Injectable()
export class ChangeEnrolmentHandler {
  constructor(
    @Inject(EnrolmentStreams) private readonly streams: EnrolmentStreams,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(TaskSchedule) private readonly schedule: TaskSchedule,
    @Inject(PatientIdentityRepository) private readonly identities: PatientIdentityRepository,
  ) {}

  /** `authorise` sees the state (its care team) before anything is decided; `expectedVersion` from the caller's If-Match. */
  async handle(
    patientId: string,
    change: EnrolmentChange,
    metadata: CommandMetadata,
    authorise: (state: Exclude<EnrolmentState, { status: 'not-enrolled' }>) => void,
    expectedVersion?: number,
  ): Promise<EnrolmentView> {
    const { events, state, version } = await this.streams.load(patientId);
    if (state.status === 'not-enrolled') throw new NotFoundError(`Patient ${patientId} has never been enrolled`);
    authorise(state);
    if (expectedVersion !== undefined && BigInt(expectedVersion) !== version) {
      throw new ConcurrencyError(`the enrolment has changed since version ${expectedVersion} (now ${version}); look at its current state and try again`);
    }
    const command = { ...change, metadata } as EnrolmentCommand;
    const decision = decideOnStream(enrolmentDecider, command, events);
    let next = version;
    if (!decision.alreadyHandled && decision.events.length > 0) {
      const after = decision.state;
      next = await this.transactions.run(async (tx) => {
        const appended = await this.streams.append(tx, patientId, decision.events, version);
        await this.schedule.setPauseEnd(tx, patientId, after.status === 'paused' ? after.pause.until : undefined);
        if (after.status !== 'not-enrolled' && decision.events.some((event) => event.type === 'CareTeamChanged')) await this.identities.moveName(tx, patientId, after.careTeamId);
        return appended;
      });
    }
    return enrolmentView(decision.state, next)!;
  }
}
