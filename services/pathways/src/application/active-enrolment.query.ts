import { createHash } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@varde/core';
import { EVENT_STORE } from '@varde/platform';
import { enrolmentDecider } from '../domain/enrolment.decide';
import { enrolmentStreamId, type EnrolmentEvent } from '../domain/enrolment.events';
import { PATHWAYS, type RuleSet } from '../domain/pathway-catalogue';

/** A patient's active enrolment with the rule set that triages them. */
export type ActiveEnrolmentView = Readonly<{
  patientId: string;
  enrolmentId: string;
  pathwayId: string;
  pathwayVersion: number;
  enrolledAt: string;
  ruleSet: RuleSet & { contentHash: string };
}>;

/** SHA-256 of the rule set's canonical JSON: what an auditor checks a replayed decision against. */
export function ruleSetHash(ruleSet: RuleSet): string {
  return `sha256:${createHash('sha256').update(canonicalJson(ruleSet)).digest('hex')}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

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
    if (!pathway || pathway.ruleSet.id !== state.ruleSetId || pathway.ruleSet.version !== state.ruleSetVersion) {
      throw new NotFoundError(`Rule set ${state.ruleSetId} v${state.ruleSetVersion} of pathway ${state.pathwayId} is not published`);
    }
    return {
      patientId,
      enrolmentId: state.enrolmentId,
      pathwayId: state.pathwayId,
      pathwayVersion: state.pathwayVersion,
      enrolledAt: state.enrolledAt,
      ruleSet: { ...pathway.ruleSet, contentHash: ruleSetHash(pathway.ruleSet) },
    };
  }
}
