import { describe, expect, it } from 'vitest';
import { ValidationError, type CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { assignmentDecider, nextDeadline, type AssignmentCommand } from './assignment.decide';
import type { FormAssigned, FormAssignmentAnswered, FormAssignmentExpired, FormReminderDue } from './assignment.events';

const URL = 'https://varde.no/fhir/Questionnaire/phq-9';
const at = (now: string): CommandMetadata => ({ commandId: `c-${now}`, correlationId: 'c-1', actor: { subject: 'dr-1', role: 'clinician' }, now });
const metadata = at('2026-11-22T08:00:00.000Z');
const times = { dueAt: '2026-11-23T08:00:00.000Z', expiresAt: '2026-11-24T08:00:00.000Z', remindAt: ['2026-11-23T07:00:00.000Z', '2026-11-22T20:00:00.000Z'] };
const assign = (version = '1', extra: object = times): AssignmentCommand => ({
  type: 'AssignForm',
  data: { patientId: 'p-1', assignmentId: `a-${version}`, questionnaire: { url: URL, version }, assignedBy: 'clinician', ...extra },
  metadata,
});
const assigned: FormAssigned = {
  type: 'FormAssigned',
  data: { assignmentId: 'a-1', patientId: 'p-1', questionnaireUrl: URL, questionnaireVersion: '1', assignedAt: metadata.now, ...times, remindAt: ['2026-11-22T20:00:00.000Z', '2026-11-23T07:00:00.000Z'], assignedBy: 'clinician' },
};
const answered: FormAssignmentAnswered = { type: 'FormAssignmentAnswered', data: { assignmentId: 'a-1', patientId: 'p-1', responseId: 'r-1', answeredAt: '2026-11-22T21:00:00.000Z' } };
const ref = { assignmentId: 'a-1', patientId: 'p-1', questionnaireUrl: URL, questionnaireVersion: '1' };
const reminder = (remindAt: string): FormReminderDue => ({ type: 'FormReminderDue', data: { ...ref, remindAt, dueAt: times.dueAt } });
const expired: FormAssignmentExpired = { type: 'FormAssignmentExpired', data: { ...ref, expiredAt: times.expiresAt } };
const check = (now: string): AssignmentCommand => ({ type: 'CheckAssignmentDeadlines', data: { patientId: 'p-1' }, metadata: at(now) });
const answer: AssignmentCommand = { type: 'MarkAssignmentAnswered', data: { patientId: 'p-1', questionnaire: { url: URL, version: '1' }, responseId: 'r-1' }, metadata: at('2026-11-22T21:00:00.000Z') };
const spec = deciderSpec(assignmentDecider);

describe('assignment, when the patient holds no assignment', () => {
  it('assigns the questionnaire version with its due time, expiry and reminders (in time order)', () => spec.given([]).when(assign()).then([assigned]));
  it('refuses an expiry before the due time, or in the past', () => {
    spec.given([]).when(assign('1', { dueAt: times.expiresAt, expiresAt: times.dueAt })).thenThrows(ValidationError, (e) => expect(e.issues[0]!.field).toBe('expiresAt'));
    spec.given([]).when(assign('1', { expiresAt: '2026-11-21T00:00:00.000Z' })).thenThrows(ValidationError);
  });
  it('has no deadline to check', () => spec.given([]).when(check('2030-01-01T00:00:00.000Z')).thenNothing());
});

describe('assignment, when open', () => {
  it('changes nothing when the same version is assigned again (enrolment redelivered)', () => spec.given([assigned]).when(assign()).thenNothing());
  it('assigns another version alongside', () => {
    const [event] = assignmentDecider.decide(assign('2'), [assigned].reduce(assignmentDecider.evolve, assignmentDecider.initialState())) as FormAssigned[];
    expect(event!.data.questionnaireVersion).toBe('2');
  });
  it('raises each reminder once when it falls due, then lets the assignment lapse at its expiry', () => {
    spec.given([assigned]).when(check('2026-11-22T19:59:59.000Z')).thenNothing();
    spec.given([assigned]).when(check('2026-11-22T20:00:00.000Z')).then([reminder('2026-11-22T20:00:00.000Z')]);
    spec.given([assigned, reminder('2026-11-22T20:00:00.000Z')]).when(check('2026-11-23T07:30:00.000Z')).then([reminder('2026-11-23T07:00:00.000Z')]);
    spec.given([assigned, reminder('2026-11-22T20:00:00.000Z')]).when(check('2026-11-24T08:00:00.000Z')).then([expired]);
  });
  it('is answered by a completed response, after which nothing falls due', () => {
    spec.given([assigned]).when(answer).then([answered]);
    spec.given([assigned, answered]).when(check('2030-01-01T00:00:00.000Z')).thenNothing();
    spec.given([assigned, answered]).when(answer).thenNothing();
  });
  it('tells the next deadline: the earliest unsent reminder or the expiry', () => {
    const fold = (events: Parameters<typeof assignmentDecider.evolve>[1][]) => events.reduce(assignmentDecider.evolve, assignmentDecider.initialState());
    expect(nextDeadline(fold([assigned]))).toBe('2026-11-22T20:00:00.000Z');
    expect(nextDeadline(fold([assigned, reminder('2026-11-22T20:00:00.000Z'), reminder('2026-11-23T07:00:00.000Z')]))).toBe(times.expiresAt);
    expect(nextDeadline(fold([assigned, answered]))).toBeUndefined();
  });
});

describe('assignment, when expired', () => {
  it('is not answered by a later response, and a new assignment of the version can be made', () => {
    spec.given([assigned, expired]).when(answer).thenNothing();
    const [event] = assignmentDecider.decide(assign(), [assigned, expired].reduce(assignmentDecider.evolve, assignmentDecider.initialState())) as FormAssigned[];
    expect(event!.type).toBe('FormAssigned');
  });
});
