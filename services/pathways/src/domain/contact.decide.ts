import { IllegalStateError, ValidationError, type Decider, type DomainCommand, type DomainEvent, type FieldIssue } from '@varde/core';
import type { EnrolmentState } from './enrolment.events';

/** Need-driven (behovsstyrt) or calendar-driven (kalenderstyrt). */
export const CONTACT_DRIVERS = ['need', 'calendar'] as const;
/** How the clinician and the patient met. */
export const CONTACT_MODES = ['phone', 'video', 'visit'] as const;

/** What a contact was: who, how, prompted by what, when and for how long. */
export type ContactDetails = Readonly<{
  contactId: string;
  driver: (typeof CONTACT_DRIVERS)[number];
  mode: (typeof CONTACT_MODES)[number];
  startedAt: string;
  durationMinutes: number;
  alertId?: string;
  taskId?: string;
  patientRequest?: boolean;
}>;

/** A clinician recorded a contact with the patient. */
export type ContactRecorded = DomainEvent<'ContactRecorded', ContactDetails & { patientId: string; enrolmentId: string; pathwayId: string; careTeamId: string }>;
/** Record a contact, with the patient's enrolment as it is now. */
export type RecordContact = DomainCommand<'RecordContact', ContactDetails & { enrolment: EnrolmentState }>;

/** Contacts recorded for a patient, by id. */
export type ContactState = Readonly<{ contactIds: readonly string[] }>;

/** One name of a patient's contact stream. */
export const contactStreamId = (patientId: string): string => `contacts-${patientId}`;

/**
 * Records a contact for an enrolment in force. A need-driven contact says what prompted it (an alert, a task, or
 * the patient's own request); a calendar-driven one links none. It lasted 1 to 480 minutes and did not start in the future.
 */
export function decideContact(command: RecordContact, state: ContactState): ContactRecorded[] {
  const { enrolment, ...contact } = command.data;
  if (state.contactIds.includes(contact.contactId)) return [];
  if (enrolment.status !== 'active' && enrolment.status !== 'paused') throw new IllegalStateError(`no contact can be recorded: the patient is ${enrolment.status === 'discharged' ? 'discharged' : 'not enrolled'}`);
  const issues: FieldIssue[] = [];
  const prompted = contact.alertId !== undefined || contact.taskId !== undefined || contact.patientRequest === true;
  if (contact.driver === 'need' && !prompted) issues.push({ field: 'driver', message: 'a need-driven contact names what prompted it: alertId, taskId, or patientRequest: true' });
  if (contact.driver === 'calendar' && prompted) issues.push({ field: 'driver', message: 'a calendar-driven contact is booked by the calendar: it links no alert, task or request (use "need")' });
  if (!Number.isInteger(contact.durationMinutes) || contact.durationMinutes < 1 || contact.durationMinutes > 480) issues.push({ field: 'durationMinutes', message: 'expected whole minutes from 1 to 480' });
  if (Date.parse(contact.startedAt) > Date.parse(command.metadata.now)) issues.push({ field: 'startedAt', message: `expected a time not after now (${command.metadata.now})` });
  if (issues.length > 0) throw new ValidationError(issues);
  return [{ type: 'ContactRecorded', data: { ...contact, patientId: enrolment.patientId, enrolmentId: enrolment.enrolmentId, pathwayId: enrolment.pathwayId, careTeamId: enrolment.careTeamId } }];
}

/** The contact decider. */
export const contactDecider: Decider<RecordContact, ContactState, ContactRecorded> = {
  decide: decideContact,
  evolve: (state, event) => ({ contactIds: [...state.contactIds, event.data.contactId] }),
  initialState: () => ({ contactIds: [] }),
};
