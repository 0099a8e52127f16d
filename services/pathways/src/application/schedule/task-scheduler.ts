import { Inject, Injectable } from '@nestjs/common';
import { handleCommand } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { taskDecider, taskStreamId, type TaskCommand, type TaskDetails } from '../../domain/task.decide';
import { ConcurrencyError } from '@varde/core';
import { ChangeEnrolmentHandler } from '../change-enrolment.handler';
import { EnrolmentStreams } from '../enrolment-streams.port';
import { PathwayDefinitions } from '../pathway-definitions.service';
import { systemMetadata } from '../system-metadata';
import { occurrencesOf } from './occurrences';
import { TaskSchedule, type ScheduledTask, type TaskInput } from './task-schedule.port';

/** How far ahead tasks are planned (and shown): 14 days. */
export const PLANNING_HORIZON_DAYS = 14;
const DAY_MS = 86_400_000;
const BATCH = 500;

/**
 * Turns enrolments into tasks. Planning is event-driven: an enrolment event replans that one patient for the next
 * 14 days (an active enrolment: its pathway version's activities; paused: from the pause's end date, if any;
 * discharged: nothing). A tick then only reads the schedule's indexes: planned tasks whose time has come fall
 * due, due tasks whose window has ended are missed, and patients whose plan runs out within the horizon are
 * planned further. On a change of pathway, tasks already due stay open until their window ends (carried over);
 * planned ones of the old version are cancelled and the new version's planned instead.
 */
@Injectable()
export class TaskScheduler {
  constructor(
    @Inject(TaskSchedule) private readonly schedule: TaskSchedule,
    @Inject(EnrolmentStreams) private readonly enrolments: EnrolmentStreams,
    @Inject(PathwayDefinitions) private readonly definitions: PathwayDefinitions,
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(ChangeEnrolmentHandler) private readonly changes: ChangeEnrolmentHandler,
  ) {}

  /** Plans the patient's tasks from `now` for the horizon, from their enrolment as it now is. */
  async replan(patientId: string, now: Date): Promise<void> {
    const { state } = await this.enrolments.load(patientId);
    const from = now.toISOString();
    if (state.status === 'not-enrolled' || state.status === 'discharged' || (state.status === 'paused' && !state.pause.until)) {
      await this.schedule.cancelPlanned(patientId, from);
      return;
    }
    const pathway = await this.definitions.version(state.pathwayId, state.pathwayVersion);
    const start = state.status === 'paused' && state.pause.until && state.pause.until > from ? state.pause.until : from;
    const until = new Date(now.getTime() + PLANNING_HORIZON_DAYS * DAY_MS).toISOString();
    const tasks = (pathway?.activities ?? []).flatMap((activity) =>
      occurrencesOf(activity, state.enrolmentId, state.enrolledAt, start, until).map(
        (o): TaskDetails & { slot: string } => ({
          taskId: o.taskId,
          slot: o.slot,
          patientId,
          enrolmentId: state.enrolmentId,
          pathwayId: state.pathwayId,
          pathwayVersion: state.pathwayVersion,
          activity: activity.id,
          title: activity.title,
          kind: activity.kind,
          ...(activity.loinc ? { loinc: activity.loinc } : {}),
          ...(activity.questionnaire ? { questionnaire: activity.questionnaire } : {}),
          dueAt: o.dueAt,
          windowEnd: o.windowEnd,
        }),
      ),
    );
    await this.schedule.plan(patientId, tasks, from, until);
  }

  /** One pass: which pauses ended, what fell due, what was missed, whose plan to extend. Returns how many of each. */
  async tick(now: Date): Promise<{ resumed: number; due: number; missed: number; replanned: number }> {
    const at = now.toISOString();
    const resumed = await this.endPauses(at, now);
    let due = 0;
    let missed = 0;
    let replanned = 0;
    for (let batch = await this.schedule.dueBy(at, BATCH); batch.length > 0; batch = await this.schedule.dueBy(at, BATCH)) {
      for (const task of batch) await this.markDue(task, at);
      due += batch.length;
    }
    for (let batch = await this.schedule.expiredBy(at, BATCH); batch.length > 0; batch = await this.schedule.expiredBy(at, BATCH)) {
      for (const task of batch) {
        await this.decide(task.patientId, { type: 'MarkTaskMissed', data: { taskId: task.taskId }, metadata: systemMetadata(`schedule:missed:${task.taskId}`, at) });
        await this.schedule.setStatus(task.taskId, 'missed');
      }
      missed += batch.length;
    }
    const horizon = new Date(now.getTime() + (PLANNING_HORIZON_DAYS - 1) * DAY_MS).toISOString();
    for (let batch = await this.schedule.horizonsBefore(horizon, BATCH); batch.length > 0; batch = await this.schedule.horizonsBefore(horizon, BATCH)) {
      for (const patientId of batch) await this.replan(patientId, now);
      replanned += batch.length;
    }
    return { resumed, due, missed, replanned };
  }

  /**
   * Resumes each enrolment whose pause has reached its end date (`EnrolmentResumed` by the system, at that date) and
   * plans its tasks again. The command id comes from (patient, end date): replicas and retries write it once; a pause
   * a clinician ended or changed in the meantime is left alone.
   */
  private async endPauses(at: string, now: Date): Promise<number> {
    let resumed = 0;
    for (const { patientId, endsAt } of await this.schedule.pauseEndsBy(at, BATCH)) {
      try {
        const view = await this.changes.handle(patientId, { type: 'ResumeEnrolment', data: { endOfPause: endsAt } }, systemMetadata(`schedule:resume:${patientId}:${endsAt}`, endsAt), () => undefined);
        if (view.status === 'active') resumed++;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        continue; // another replica resumed it first; the next tick finds the row gone or replans
      }
      await this.replan(patientId, now);
    }
    return resumed;
  }

  /** Completes the open task an input (a measurement or a questionnaire response, by its event id) matches, if any. */
  async complete(input: TaskInput, inputEventId: string, now: Date): Promise<boolean> {
    const task = await this.schedule.openTaskFor(input);
    if (!task) return false;
    // The input came before the tick that makes the task due: it falls due first.
    if (task.status === 'planned') await this.markDue(task, now.toISOString());
    const events = await this.decide(task.patientId, { type: 'CompleteTask', data: { taskId: task.taskId, completedAt: input.at, inputEventId }, metadata: systemMetadata(`schedule:completed:${task.taskId}:${inputEventId}`, now.toISOString()) });
    if (events > 0) await this.schedule.setStatus(task.taskId, 'completed', inputEventId);
    return events > 0;
  }

  private async markDue(task: ScheduledTask, at: string): Promise<void> {
    const { slot: _slot, status: _status, completedBy: _by, ...details } = task;
    await this.decide(task.patientId, { type: 'MarkTaskDue', data: details, metadata: systemMetadata(`schedule:due:${task.taskId}`, at) });
    await this.schedule.setStatus(task.taskId, 'due');
  }

  private async decide(patientId: string, command: TaskCommand): Promise<number> {
    const result = await handleCommand(this.store, taskStreamId(patientId), taskDecider, command);
    return result.alreadyHandled ? 0 : result.events.length;
  }
}
