import type { Decider, DomainCommand } from '@varde/core';
import { evolveAssignment, initialAssignmentState, isAssigned, type AssignmentEvent, type AssignmentState } from './assignment.events';

/** Give a patient a questionnaire version to fill in. */
export type AssignForm = DomainCommand<'AssignForm', { patientId: string; assignmentId: string; questionnaire: Readonly<{ url: string; version: string }> }>;

/** Every command of the assignment decider. */
export type AssignmentCommand = AssignForm;

/** Assigns a questionnaire; assigning one the patient already holds changes nothing (enrolment redelivered, re-enrolled). */
export function decideAssignment(command: AssignmentCommand, state: AssignmentState): AssignmentEvent[] {
  switch (command.type) {
    case 'AssignForm': {
      const { patientId, assignmentId, questionnaire } = command.data;
      if (isAssigned(state, questionnaire.url, questionnaire.version)) return [];
      return [
        {
          type: 'FormAssigned',
          data: { assignmentId, patientId, questionnaireUrl: questionnaire.url, questionnaireVersion: questionnaire.version, assignedAt: command.metadata.now },
        },
      ];
    }
    default: {
      const _exhaustive: never = command.type;
      return [];
    }
  }
}

/** The assignment decider. */
export const assignmentDecider: Decider<AssignmentCommand, AssignmentState, AssignmentEvent> = {
  decide: decideAssignment,
  evolve: evolveAssignment,
  initialState: initialAssignmentState,
};
