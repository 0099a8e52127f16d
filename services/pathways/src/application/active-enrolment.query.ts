import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@varde/core';
import { EVENT_STORE } from '@varde/platform';
import { enrolmentDecider } from '../domain/enrolment.decide';
import { enrolmentStreamId, type EnrolmentEvent } from '../domain/enrolment.events';
import { PATHWAYS, type RuleSetRef } from '../domain/pathway-catalogue';

/** A patient's active enrolment with the rule set that triages them. */
export type ActiveEnrolmentView = Readonly<{
  patientId: string;
  enrolmentId: string;
  pathwayId: string;
  pathwayVersion: number;
  enrolledAt: string;
  ruleSet: RuleSetRef;
  careTeamId: string;
}>;

/** Reads a patient's active enrolment straight from its stream (always current). */
@Injectable()
export class ActiveEnrolmentQuery {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  async get(patientId: string): Promise<ActiveEnrolmentView> {
    const { state } = await this.store.aggregateStream<ReturnType<typeof enrolmentDecider.initialState>, EnrolmentEvent>(enrolmentStreamId(patientId), {
      evolve: enrolmentDecider.evolve,
      initialState: enrolmentDecider.initialState,
    });
    if (state.status !== 'enrolled') throw new NotFoundError(`Patient ${patientId} has no active enrolment`);
    const pathway = PATHWAYS[state.pathwayId];
    if (!pathway) throw new NotFoundError(`Pathway ${state.pathwayId} of patient ${patientId} is not published`);
    return {
      patientId,
      enrolmentId: state.enrolmentId,
      pathwayId: state.pathwayId,
      pathwayVersion: state.pathwayVersion,
      enrolledAt: state.enrolledAt,
      ruleSet: { id: state.ruleSetId, version: 0 },
      careTeamId: state.careTeamId,
    };
  }
}
