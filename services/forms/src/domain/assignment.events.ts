import type { DomainEvent } from '@varde/core';

/** A questionnaire version was assigned to a patient to fill in. */
export type FormAssigned = DomainEvent<
  'FormAssigned',
  { assignmentId: string; patientId: string; questionnaireUrl: string; questionnaireVersion: string; assignedAt: string }
>;

/** Every event of a patient's assignment stream. */
export type AssignmentEvent = FormAssigned;

/** One assignment held by a patient. */
export type Assignment = Readonly<{ assignmentId: string; questionnaireUrl: string; questionnaireVersion: string; assignedAt: string }>;

/** A patient's assignments, folded from its events. */
export type AssignmentState =
  | { status: 'none' }
  | { status: 'assigned'; patientId: string; assignments: readonly Assignment[] };

/** The state before any event. */
export const initialAssignmentState = (): AssignmentState => ({ status: 'none' });

/** Applies one event to the state. */
export function evolveAssignment(state: AssignmentState, event: AssignmentEvent): AssignmentState {
  switch (event.type) {
    case 'FormAssigned': {
      const { patientId, ...assignment } = event.data;
      const held = state.status === 'assigned' ? state.assignments : [];
      return { status: 'assigned', patientId, assignments: [...held, assignment] };
    }
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

/** Whether the patient holds an assignment of this questionnaire version. */
export const isAssigned = (state: AssignmentState, url: string, version: string): boolean =>
  state.status === 'assigned' && state.assignments.some((a) => a.questionnaireUrl === url && a.questionnaireVersion === version);

/** The one name of a patient's assignment stream. */
export const assignmentStreamId = (patientId: string): string => `form-assignments-${patientId}`;
