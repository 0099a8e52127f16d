import { Inject, Injectable } from '@nestjs/common';
import { EventStore } from '@varde/event-sourcing';
import { assignmentDecider } from '../domain/assignment.decide';
import { assignmentStreamId, type Assignment, type AssignmentEvent, type AssignmentState } from '../domain/assignment.events';

/** Reads a patient's assignments straight from their stream (always current; one short stream per patient). */
@Injectable()
export class AssignmentsQuery {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async state(patientId: string): Promise<AssignmentState> {
    const { state } = await this.store.aggregateStream<AssignmentState, AssignmentEvent>(assignmentStreamId(patientId), {
      evolve: assignmentDecider.evolve,
      initialState: assignmentDecider.initialState,
    });
    return state;
  }

  /** The patient's assignments, oldest first; empty when they hold none. */
  async list(patientId: string): Promise<readonly Assignment[]> {
    const state = await this.state(patientId);
    return state.status === 'assigned' ? state.assignments : [];
  }
}
