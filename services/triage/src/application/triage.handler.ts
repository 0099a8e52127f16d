import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { handleCommand, type StoredEvent } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { triageDecider, type TriageCommand } from '../domain/triage.decide';
import { triageStreamId, type TriageEvent } from '../domain/triage.events';
import type { TriageInput } from '../domain/triage-rules';
import { ActiveEnrolments } from './active-enrolments.port';

/** A triage event with its position in the patient's stream (projections use it to ignore stale updates). */
export type PositionedTriageEvent = Readonly<{ event: StoredEvent<TriageEvent>; streamPosition: bigint }>;

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
    const result = await handleCommand(this.store, triageStreamId(command.data.patientId), triageDecider, command);
    const count = result.events.length;
    return result.events.map((event, index) => ({
      event,
      // Events read back carry their position; freshly appended ones end at the stream's new version.
      streamPosition: readPosition(event) ?? result.nextStreamVersion - BigInt(count - 1 - index),
    }));
  }
}

function readPosition(event: StoredEvent<TriageEvent>): bigint | undefined {
  const position = (event.metadata as { streamPosition?: unknown }).streamPosition;
  return typeof position === 'bigint' ? position : undefined;
}
