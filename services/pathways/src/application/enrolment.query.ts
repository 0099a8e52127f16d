import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@varde/core';
import type { EnrolmentState } from '../domain/enrolment.events';
import type { RuleSetRef } from '../domain/pathway-definition';
import { EnrolmentStreams } from './enrolment-streams.port';

/** A patient's enrolment as the API shows it: what it is on, its status, and the stream version to send back in `If-Match`. */
export type EnrolmentView = Readonly<{
  patientId: string;
  enrolmentId: string;
  status: 'active' | 'paused' | 'discharged';
  pathwayId: string;
  pathwayVersion: number;
  enrolledAt: string;
  ruleSet: RuleSetRef;
  careTeamId: string;
  /** 1 for the first enrolment, more for a readmission. */
  admission: number;
  pause?: Readonly<{ reason: string; since: string; until?: string }>;
  discharge?: Readonly<{ reason: string; at: string }>;
  /** The enrolment stream's version: an ETag for optimistic concurrency. */
  version: number;
}>;

/** The view of an enrolment state; undefined when the patient was never enrolled. */
export function enrolmentView(state: EnrolmentState, version: bigint): EnrolmentView | undefined {
  if (state.status === 'not-enrolled') return undefined;
  return {
    patientId: state.patientId,
    enrolmentId: state.enrolmentId,
    status: state.status,
    pathwayId: state.pathwayId,
    pathwayVersion: state.pathwayVersion,
    enrolledAt: state.enrolledAt,
    // Rule sets are triage's data: pathways names the rule set (version 0: the latest published there).
    ruleSet: { id: state.ruleSetId, version: 0 },
    careTeamId: state.careTeamId,
    admission: state.admission,
    ...(state.status === 'paused' ? { pause: state.pause } : {}),
    ...(state.status === 'discharged' ? { discharge: state.discharge } : {}),
    version: Number(version),
  };
}

/** Reads a patient's enrolment straight from its stream (always current). */
@Injectable()
export class EnrolmentQuery {
  constructor(@Inject(EnrolmentStreams) private readonly streams: EnrolmentStreams) {}

  /** The patient's latest enrolment, in force or discharged; NotFoundError when they were never enrolled. */
  async get(patientId: string): Promise<EnrolmentView> {
    const view = await this.latest(patientId);
    if (!view) throw new NotFoundError(`Patient ${patientId} has never been enrolled`);
    return view;
  }

  /** The patient's latest enrolment, in force or discharged; undefined when they were never enrolled. */
  async latest(patientId: string): Promise<EnrolmentView | undefined> {
    const { state, version } = await this.streams.load(patientId);
    return enrolmentView(state, version);
  }

  /** The enrolment in force (active or paused); NotFoundError when there is none. */
  async inForce(patientId: string): Promise<EnrolmentView> {
    const view = await this.get(patientId);
    if (view.status === 'discharged') throw new NotFoundError(`Patient ${patientId} has no active enrolment (discharged at ${view.discharge?.at})`);
    return view;
  }
}
