import type { DomainEvent } from '@varde/core';

/** Who asked for a form: the enrolment (the pathway's standing questionnaire), a clinician ad hoc, the pathway's schedule. */
export type AssignedBy = 'enrolment' | 'clinician' | 'pathway';

/** A questionnaire version was assigned to a patient to fill in. */
export type FormAssigned = DomainEvent<
  'FormAssigned',
  {
    assignmentId: string;
    patientId: string;
    questionnaireUrl: string;
    questionnaireVersion: string;
    assignedAt: string;
    /** When it should be answered by (none: whenever). */
    dueAt?: string;
    /** When it lapses unanswered (none: never). */
    expiresAt?: string;
    /** When the patient is to be reminded while it is unanswered. */
    remindAt?: readonly string[];
    assignedBy?: AssignedBy;
  }
>;

/** A response completed an open assignment. */
export type FormAssignmentAnswered = DomainEvent<'FormAssignmentAnswered', { assignmentId: string; patientId: string; responseId: string; answeredAt: string }>;

/** An assignment lapsed unanswered at its expiry. */
export type FormAssignmentExpired = DomainEvent<'FormAssignmentExpired', { assignmentId: string; patientId: string; questionnaireUrl: string; questionnaireVersion: string; expiredAt: string }>;

/** A reminder of an unanswered assignment fell due: a notifier may tell the patient. */
export type FormReminderDue = DomainEvent<'FormReminderDue', { assignmentId: string; patientId: string; questionnaireUrl: string; questionnaireVersion: string; remindAt: string; dueAt?: string }>;

/** Every event of a patient's assignment stream. */
export type AssignmentEvent = FormAssigned | FormAssignmentAnswered | FormAssignmentExpired | FormReminderDue;

/** One assignment held by a patient, with where it stands. */
export type Assignment = Readonly<
  Omit<FormAssigned['data'], 'patientId'> & { status: 'open' | 'answered' | 'expired'; responseId?: string; remindersSent: readonly string[] }
>;

/** A patient's assignments, folded from its events. */
export type AssignmentState = { status: 'none' } | { status: 'assigned'; patientId: string; assignments: readonly Assignment[] };

/** The state before any event. */
export const initialAssignmentState = (): AssignmentState => ({ status: 'none' });

const update = (state: AssignmentState, assignmentId: string, change: (a: Assignment) => Assignment): AssignmentState =>
  state.status === 'assigned' ? { ...state, assignments: state.assignments.map((a) => (a.assignmentId === assignmentId ? change(a) : a)) } : state;

/** Applies one event to the state. */
export function evolveAssignment(state: AssignmentState, event: AssignmentEvent): AssignmentState {
  switch (event.type) {
    case 'FormAssigned': {
      const { patientId, ...assignment } = event.data;
      const held = state.status === 'assigned' ? state.assignments : [];
      return { status: 'assigned', patientId, assignments: [...held, { ...assignment, status: 'open', remindersSent: [] }] };
    }
    case 'FormAssignmentAnswered':
      return update(state, event.data.assignmentId, (a) => ({ ...a, status: 'answered', responseId: event.data.responseId }));
    case 'FormAssignmentExpired':
      return update(state, event.data.assignmentId, (a) => ({ ...a, status: 'expired' }));
    case 'FormReminderDue':
      return update(state, event.data.assignmentId, (a) => ({ ...a, remindersSent: [...a.remindersSent, event.data.remindAt] }));
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The patient's assignments of a questionnaire version. */
const assignmentsOf = (state: AssignmentState, url: string, version: string): readonly Assignment[] =>
  state.status === 'assigned' ? state.assignments.filter((a) => a.questionnaireUrl === url && a.questionnaireVersion === version) : [];

/** Whether the patient may answer this questionnaire version: it was assigned and has not only lapsed. */
export const isAssigned = (state: AssignmentState, url: string, version: string): boolean => assignmentsOf(state, url, version).some((a) => a.status !== 'expired');

/** The oldest open assignment of this questionnaire version, which a completed response answers. */
export const openAssignment = (state: AssignmentState, url: string, version: string): Assignment | undefined => assignmentsOf(state, url, version).find((a) => a.status === 'open');

/** The one name of a patient's assignment stream. */
export const assignmentStreamId = (patientId: string): string => `form-assignments-${patientId}`;
