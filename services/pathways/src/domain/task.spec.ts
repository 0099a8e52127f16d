import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CommandMetadata } from '@varde/core';
import { deciderSpec } from '@varde/event-sourcing';
import { taskDecider, type TaskCommand, type TaskDetails, type TaskDue, type TaskEvent } from './task.decide';

const at = (now: string): CommandMetadata => ({ commandId: `c-${now}`, correlationId: 'c', actor: { subject: 'varde-pathways', role: 'system' }, now });
const details: TaskDetails = {
  taskId: 't-1', patientId: 'p-1', enrolmentId: 'e-1', pathwayId: 'copd', pathwayVersion: 1, activity: 'https://varde.no/fhir/ActivityDefinition/copd-spo2|1',
  title: 'SpO2', kind: 'measurement', loinc: '2708-6', dueAt: '2027-03-28T06:00:00.000Z', windowEnd: '2027-03-28T10:00:00.000Z',
};
/** The patient's second task of the day, with a later window. */
const pulse: TaskDetails = { ...details, taskId: 't-2', activity: 'https://varde.no/fhir/ActivityDefinition/copd-pulse|1', title: 'Pulse', loinc: '8867-4', dueAt: '2027-03-28T07:00:00.000Z', windowEnd: '2027-03-28T12:00:00.000Z' };
const due: TaskDue = { type: 'TaskDue', data: details };
const pulseDue: TaskDue = { type: 'TaskDue', data: pulse };
const spec = deciderSpec(taskDecider);
const markDue = (...tasks: TaskDetails[]) => ({ type: 'MarkTasksDue' as const, data: { tasks }, metadata: at(details.dueAt) });
const complete = (completedAt: string) => ({ type: 'CompleteTask' as const, data: { taskId: 't-1', completedAt, inputEventId: 'm-1' }, metadata: at('2027-03-28T09:00:00.000Z') });
const miss = (now: string, ...taskIds: string[]) => ({ type: 'MarkTasksMissed' as const, data: { taskIds: taskIds.length > 0 ? taskIds : ['t-1'] }, metadata: at(now) });

describe('task, when planned (not yet due)', () => {
  it('falls due', () => spec.given([]).when(markDue(details)).then([due]));
  it("falls due with the patient's other tasks of the tick, one event each", () => spec.given([]).when(markDue(details, pulse)).then([due, pulseDue]));
  it('falls due once when a batch names it twice', () => spec.given([]).when(markDue(details, details)).then([due]));
  it('cannot be completed or missed before it is due', () => {
    spec.given([]).when(complete('2027-03-28T07:00:00.000Z')).thenNothing();
    spec.given([]).when(miss('2027-03-28T11:00:00.000Z')).thenNothing();
  });
});

describe('task, when due', () => {
  it('falls due only once', () => spec.given([due]).when(markDue(details)).thenNothing());
  it('falls due only once when a later batch holds it again: only the others fall due', () => spec.given([due]).when(markDue(details, pulse)).then([pulseDue]));
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
  it('is missed with the other tasks of the batch whose windows have ended, and only those', () => {
    spec.given([due, pulseDue]).when(miss('2027-03-28T12:00:00.000Z', 't-1', 't-2', 't-1')).then([{ type: 'TaskMissed', data: details }, { type: 'TaskMissed', data: pulse }]);
    spec.given([due, pulseDue]).when(miss('2027-03-28T11:00:00.000Z', 't-1', 't-2')).then([{ type: 'TaskMissed', data: details }]);
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
  it('is not missed again by a later batch; the batch misses only the others', () => {
    spec.given([due, pulseDue, { type: 'TaskMissed', data: details }]).when(miss('2027-03-28T12:00:00.000Z', 't-1', 't-2')).then([{ type: 'TaskMissed', data: pulse }]);
  });
});

describe('task batches, whatever their order and overlap (as replicas and retries send them)', () => {
  const tasks = Array.from({ length: 6 }, (_, i): TaskDetails => ({ ...details, taskId: `t-${i}`, dueAt: `2027-03-28T0${i}:00:00.000Z`, windowEnd: `2027-03-28T1${i}:00:00.000Z` }));
  const batch = fc.subarray(tasks.map((_, i) => i), { minLength: 1 });
  const command = fc.oneof(
    batch.map((ids): TaskCommand => ({ type: 'MarkTasksDue', data: { tasks: ids.map((i) => tasks[i]!) }, metadata: at('2027-03-28T06:00:00.000Z') })),
    fc.tuple(batch, fc.integer({ min: 9, max: 17 })).map(([ids, hour]): TaskCommand => ({ type: 'MarkTasksMissed', data: { taskIds: ids.map((i) => `t-${i}`) }, metadata: at(`2027-03-28T${String(hour).padStart(2, '0')}:00:00.000Z`) })),
  );

  it('write each TaskDue once, and TaskMissed once, only after it and only when its window has ended', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        const history: TaskEvent[] = [];
        for (const c of commands) {
          const state = history.reduce(taskDecider.evolve, taskDecider.initialState());
          const decided = [taskDecider.decide(c, state)].flat();
          history.push(...decided);
          for (const e of decided) {
            if (e.type === 'TaskMissed') expect(Date.parse(c.metadata.now)).toBeGreaterThanOrEqual(Date.parse(e.data.windowEnd));
          }
        }
        for (const { taskId } of tasks) {
          const own = history.filter((e) => e.data.taskId === taskId).map((e) => e.type);
          expect(own.filter((t) => t === 'TaskDue').length).toBeLessThanOrEqual(1);
          expect(own.filter((t) => t === 'TaskMissed').length).toBeLessThanOrEqual(1);
          if (own.includes('TaskMissed')) expect(own.indexOf('TaskDue')).toBeLessThan(own.indexOf('TaskMissed'));
        }
      }),
    );
  });
});
