import { ValidationError, type Decider, type DomainCommand } from '@varde/core';
import { evolveAssignment, initialAssignmentState, openAssignment, type AssignedBy, type AssignmentEvent, type AssignmentState } from './assignment.events';

type QuestionnaireRef = Readonly<{ url: string; version: string }>;

/** Give a patient a questionnaire version to fill in, optionally due, expiring and with reminders. */
export type AssignForm = DomainCommand<
  'AssignForm',
  { patientId: string; assignmentId: string; questionnaire: QuestionnaireRef; dueAt?: string; expiresAt?: string; remindAt?: readonly string[]; assignedBy?: AssignedBy }
>;
/** A completed response answers the oldest open assignment of its questionnaire version. */
export type MarkAssignmentAnswered = DomainCommand<'MarkAssignmentAnswered', { patientId: string; questionnaire: QuestionnaireRef; responseId: string }>;
/** Let every open assignment whose expiry has passed lapse, and raise every reminder that has fallen due. */
export type CheckAssignmentDeadlines = DomainCommand<'CheckAssignmentDeadlines', { patientId: string }>;

/** Every command of the assignment decider. */
export type AssignmentCommand = AssignForm | MarkAssignmentAnswered | CheckAssignmentDeadlines;

/**
 * A patient's form assignments. Assigning a version the patient holds open changes nothing (enrolment
 * redelivered); an assignment is answered once, by the first completed response; at its expiry an unanswered one
 * lapses (published as FormAssignmentExpired) and each reminder time passed while it is open raises
 * FormReminderDue once. Times are compared with the command's `now`.
 */
export function decideAssignment(command: AssignmentCommand, state: AssignmentState): AssignmentEvent[] {
  const now = command.metadata.now;
  switch (command.type) {
    case 'AssignForm': {
      const { patientId, assignmentId, questionnaire, dueAt, expiresAt, remindAt, assignedBy } = command.data;
      if (openAssignment(state, questionnaire.url, questionnaire.version)) return [];
      if (dueAt !== undefined && expiresAt !== undefined && expiresAt < dueAt) throw ValidationError.field('expiresAt', 'must not be before dueAt');
      if (expiresAt !== undefined && expiresAt <= now) throw ValidationError.field('expiresAt', 'must be in the future');
      return [
        {
          type: 'FormAssigned',
          data: {
            assignmentId,
            patientId,
            questionnaireUrl: questionnaire.url,
            questionnaireVersion: questionnaire.version,
            assignedAt: now,
            ...(dueAt !== undefined ? { dueAt } : {}),
            ...(expiresAt !== undefined ? { expiresAt } : {}),
            ...(remindAt?.length ? { remindAt: [...remindAt].sort() } : {}),
            ...(assignedBy !== undefined ? { assignedBy } : {}),
          },
        },
      ];
    }
    case 'MarkAssignmentAnswered': {
      const { patientId, questionnaire, responseId } = command.data;
      const open = openAssignment(state, questionnaire.url, questionnaire.version);
      if (!open || (state.status === 'assigned' && state.assignments.some((a) => a.responseId === responseId))) return [];
      return [{ type: 'FormAssignmentAnswered', data: { assignmentId: open.assignmentId, patientId, responseId, answeredAt: now } }];
    }
    case 'CheckAssignmentDeadlines': {
      if (state.status !== 'assigned') return [];
      const { patientId } = command.data;
      return state.assignments
        .filter((a) => a.status === 'open')
        .flatMap((a): AssignmentEvent[] => {
          const ref = { assignmentId: a.assignmentId, patientId, questionnaireUrl: a.questionnaireUrl, questionnaireVersion: a.questionnaireVersion };
          if (a.expiresAt !== undefined && a.expiresAt <= now) return [{ type: 'FormAssignmentExpired', data: { ...ref, expiredAt: a.expiresAt } }];
          const due = (a.remindAt ?? []).filter((t) => t <= now && !a.remindersSent.includes(t));
          return due.map((remindAt) => ({ type: 'FormReminderDue', data: { ...ref, remindAt, ...(a.dueAt !== undefined ? { dueAt: a.dueAt } : {}) } }));
        });
    }
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

/** The next moment a deadline of this state falls due (an expiry or an unsent reminder of an open assignment), if any. */
export function nextDeadline(state: AssignmentState): string | undefined {
  if (state.status !== 'assigned') return undefined;
  const times = state.assignments
    .filter((a) => a.status === 'open')
    .flatMap((a) => [...(a.expiresAt ? [a.expiresAt] : []), ...(a.remindAt ?? []).filter((t) => !a.remindersSent.includes(t) && (a.expiresAt === undefined || t < a.expiresAt))]);
  return times.sort()[0];
}

/** The assignment decider. */
export const assignmentDecider: Decider<AssignmentCommand, AssignmentState, AssignmentEvent> = {
  decide: decideAssignment,
  evolve: evolveAssignment,
  initialState: initialAssignmentState,
};
