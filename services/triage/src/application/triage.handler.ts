import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { handleCommand } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { triageDecider, type TriageCommand } from '../domain/triage.decide';
import { triageStreamId, type TriageEvent } from '../domain/triage.events';
import type { TriageInput } from '../domain/triage-rules';
import { ActiveEnrolments } from './active-enrolments.port';
import { positioned, type PositionedEvent } from './positioned-event';

/** A triage event with its position in the patient's stream (projections use it to ignore stale updates). */
export type PositionedTriageEvent = PositionedEvent<TriageEvent>;

/** Commands on a patient's triage stream: load → decide → append, writing nothing twice for one command id. */
@Injectable()
export class TriageHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(ActiveEnrolments) private readonly enrolments: ActiveEnrolments,
  ) {}

  /** Puts an enrolled patient on the worklist. */
  register(data: { patientId: string; pathwayId: string; enrolmentId: string; enrolledAt: string }, metadata: CommandMetadata): Promise<readonly PositionedTriageEvent[]> {
    return this.run({ type: 'RegisterPatient', data, metadata });
  }

  /** Assesses a patient's new inputs with the rule set of their active enrolment (asked of pathways now). */
  async assess(patientId: string, inputs: readonly TriageInput[], metadata: CommandMetadata): Promise<readonly PositionedTriageEvent[]> {
    const { pathwayId, ruleSet } = await this.enrolments.get(patientId);
    return this.run({ type: 'AssessPatient', data: { patientId, pathwayId, ruleSet, inputs }, metadata });
  }

  private async run(command: TriageCommand): Promise<readonly PositionedTriageEvent[]> {
    return positioned(await handleCommand(this.store, triageStreamId(command.data.patientId), triageDecider, command));
  }
}
