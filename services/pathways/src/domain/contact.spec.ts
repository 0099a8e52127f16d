import { describe, expect, it } from 'vitest';
import { IllegalStateError, ValidationError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { contactDecider, type ContactDetails, type RecordContact } from './contact.decide';
import type { EnrolmentState } from './enrolment.events';

const metadata: CommandMetadata = { commandId: 'c-1', correlationId: 'c-1', actor: { subject: 'nurse-1', role: 'clinician' }, now: '2027-03-28T10:00:00.000Z' };
const active: EnrolmentState = { status: 'active', patientId: 'p-1', enrolmentId: 'e-1', pathwayId: 'copd', pathwayVersion: 1, ruleSetId: 'copd-default', ruleSetVersion: 0, enrolledAt: '2027-03-01T08:00:00.000Z', careTeamId: 'copd-care-team', admission: 1 };
const contact = (details: Partial<ContactDetails> = {}, enrolment: EnrolmentState = active): RecordContact => ({
  type: 'RecordContact',
  data: { contactId: 'k-1', driver: 'need', mode: 'phone', startedAt: '2027-03-28T09:40:00.000Z', durationMinutes: 15, alertId: 'a-1', ...details, enrolment },
  metadata,
});
const spec = deciderSpec(contactDecider);
const fields = (check: string[]) => (e: ValidationError) => expect(e.issues.map((i) => i.field)).toEqual(check);

describe('contact, for an enrolment in force', () => {
  it('records a need-driven contact linking the alert that prompted it', () => {
    spec.given([]).when(contact()).then([{ type: 'ContactRecorded', data: { contactId: 'k-1', driver: 'need', mode: 'phone', startedAt: '2027-03-28T09:40:00.000Z', durationMinutes: 15, alertId: 'a-1', patientId: 'p-1', enrolmentId: 'e-1', pathwayId: 'copd', careTeamId: 'copd-care-team' } }]);
  });
  it('records a calendar-driven video consultation, and refuses one that links an alert', () => {
    spec.given([]).when(contact({ driver: 'calendar', mode: 'video', alertId: undefined })).then([{ type: 'ContactRecorded', data: { contactId: 'k-1', driver: 'calendar', mode: 'video', startedAt: '2027-03-28T09:40:00.000Z', durationMinutes: 15, alertId: undefined, patientId: 'p-1', enrolmentId: 'e-1', pathwayId: 'copd', careTeamId: 'copd-care-team' } }]);
    spec.given([]).when(contact({ driver: 'calendar' })).thenThrows(ValidationError, fields(['driver']));
  });
  it('refuses a need-driven contact without what prompted it, a zero duration and a start in the future, all at once', () => {
    spec.given([]).when(contact({ alertId: undefined, durationMinutes: 0, startedAt: '2027-03-28T11:00:00.000Z' })).thenThrows(ValidationError, fields(['driver', 'durationMinutes', 'startedAt']));
  });
  it('records the same contact once', () => {
    spec.given([{ type: 'ContactRecorded', data: { contactId: 'k-1', driver: 'need', mode: 'phone', startedAt: '2027-03-28T09:40:00.000Z', durationMinutes: 15, patientId: 'p-1', enrolmentId: 'e-1', pathwayId: 'copd', careTeamId: 'copd-care-team' } }]).when(contact()).thenNothing();
  });
});

describe('contact, when the patient is discharged', () => {
  it('is refused', () => {
    spec.given([]).when(contact({}, { ...active, status: 'discharged', discharge: { reason: 'completed', at: '2027-03-20T00:00:00.000Z' } })).thenThrows(IllegalStateError);
  });
});
