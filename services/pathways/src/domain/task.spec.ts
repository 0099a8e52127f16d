import { describe, it } from 'vitest';
import type { CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { taskDecider, type TaskDetails, type TaskDue } from './task.decide';

const at = (now: string): CommandMetadata => ({ commandId: `c-${now}`, correlationId: 'c', actor: { subject: 'varde-pathways', role: 'system' }, now });
const details: TaskDetails = {
  taskId: 't-1', patientId: 'p-1', enrolmentId: 'e-1', pathwayId: 'copd', pathwayVersion: 1, activity: 'https://varde.no/fhir/ActivityDefinition/copd-spo2|1',
  title: 'SpO2', kind: 'measurement', loinc: '2708-6', dueAt: '2027-03-28T06:00:00.000Z', windowEnd: '2027-03-28T10:00:00.000Z',
};
const due: TaskDue = { type: 'TaskDue', data: details };
const spec = deciderSpec(taskDecider);
const complete = (completedAt: string) => ({ type: 'CompleteTask' as const, data: { taskId: 't-1', completedAt, inputEventId: 'm-1' }, metadata: at('2027-03-28T09:00:00.000Z') });
const miss = (now: string) => ({ type: 'MarkTaskMissed' as const, data: { taskId: 't-1' }, metadata: at(now) });

describe('task, when planned (not yet due)', () => {
  it('falls due', () => spec.given([]).when({ type: 'MarkTaskDue', data: details, metadata: at(details.dueAt) }).then([due]));
  it('cannot be completed or missed before it is due', () => {
    spec.given([]).when(complete('2027-03-28T07:00:00.000Z')).thenNothing();
    spec.given([]).when(miss('2027-03-28T11:00:00.000Z')).thenNothing();
  });
});

describe('task, when due', () => {
  it('falls due only once', () => spec.given([due]).when({ type: 'MarkTaskDue', data: details, metadata: at(details.dueAt) }).thenNothing());
  it('is completed by an input inside its window, linking it', () => {
    spec.given([due]).when(complete('2027-03-28T07:00:00.000Z')).then([{ type: 'TaskCompleted', data: { taskId: 't-1', patientId: 'p-1', activity: details.activity, completedAt: '2027-03-28T07:00:00.000Z', inputEventId: 'm-1' } }]);
  });
  it('is not completed by an input outside its window', () => {
    spec.given([due]).when(complete('2027-03-28T05:59:00.000Z')).thenNothing();
    spec.given([due]).when(complete('2027-03-28T10:01:00.000Z')).thenNothing();
  });
  it('is missed when its window has ended, not before', () => {
    spec.given([due]).when(miss('2027-03-28T09:59:00.000Z')).thenNothing();
    spec.given([due]).when(miss('2027-03-28T10:00:00.000Z')).then([{ type: 'TaskMissed', data: details }]);
  });
});

describe('task, when completed or missed', () => {
  const completed = { type: 'TaskCompleted' as const, data: { taskId: 't-1', patientId: 'p-1', activity: details.activity, completedAt: '2027-03-28T07:00:00.000Z', inputEventId: 'm-1' } };
  it('is never missed after it was completed, nor completed twice', () => {
    spec.given([due, completed]).when(miss('2027-03-28T11:00:00.000Z')).thenNothing();
    spec.given([due, completed]).when(complete('2027-03-28T08:00:00.000Z')).thenNothing();
  });
  it('is never completed after it was missed', () => {
    spec.given([due, { type: 'TaskMissed', data: details }]).when(complete('2027-03-28T09:00:00.000Z')).thenNothing();
  });
});
