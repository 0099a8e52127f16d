import type { EventStore } from '@event-driven-io/emmett';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, handleCommand } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { assignmentDecider } from '../domain/assignment.decide';
import { assignmentStreamId } from '../domain/assignment.events';

/** Assigns a questionnaire version to a patient. */
@Injectable()
export class AssignFormHandler {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** True when a new assignment was recorded, false when the patient already held it. */
  async handle(input: { patientId: string; questionnaire: Readonly<{ url: string; version: string }> }, metadata: CommandMetadata): Promise<boolean> {
    const result = await handleCommand(this.store, assignmentStreamId(input.patientId), assignmentDecider, {
      type: 'AssignForm',
      // Derived from the command so a retried command proposes the very same assignment.
      data: { patientId: input.patientId, assignmentId: deterministicId(`assignment:${metadata.commandId}`), questionnaire: input.questionnaire },
      metadata,
    });
    return result.events.length > 0 && !result.alreadyHandled;
  }
}
