import { Inject, Injectable } from '@nestjs/common';
import { ConcurrencyError } from '@varde/core';
import { EventStore, handleCommand, isWriteConflict, Transactions, type HandleCommandResult, type Transaction } from '@varde/event-sourcing';
import { taskDecider, taskOf, taskStreamId, type TaskCommand, type TaskDetails, type TaskEvent, type TaskState } from '../../domain/task.decide';
import type { PathwayVersion } from '../../domain/pathway-definition';
import { ChangeEnrolmentHandler } from '../change-enrolment.handler';
import { EnrolmentStreams } from '../enrolment-streams.port';
import { PathwayDefinitions } from '../pathway-definitions.service';
import { systemMetadata } from '../system-metadata';
import { occurrencesOf } from './occurrences';
import { TaskSchedule, type PatientPlan, type ScheduledTask, type TaskInput } from './task-schedule.port';

/** How far ahead tasks are planned (and shown): 14 days. */
export const PLANNING_HORIZON_DAYS = 14;
const DAY_MS = 86_400_000;
const BATCH = 500;
// Tries of one batch's transaction when another writer (a replica's tick, an input's completion) got to one of its streams first.
const MAX_ATTEMPTS = 4;


/** Commands on one task stream (a patient's day), in order. */
type StreamWork = Readonly<{ stream: string; commands: readonly TaskCommand[] }>;
/** What each of them gave. */
type StreamResults = Readonly<{ stream: string; results: readonly TaskResult[] }>;
/** What a command on a task stream gave. */
type TaskResult = HandleCommandResult<TaskState, TaskEvent>;

/**
 * Turns enrolments into tasks. Planning is event-driven: an enrolment event replans that one patient for the next
 * 14 days (an active enrolment: its pathway version's activities; paused: from the pause's end date, if any;
 * discharged: nothing). A tick then only reads the schedule's indexes: planned tasks whose time has come fall
 * due, due tasks whose window has ended are missed, and patients whose plan runs out within the horizon are
 * planned further. On a change of pathway, tasks already due stay open until their window ends (carried over);
 * planned ones of the old version are cancelled and the new version's planned instead.
 *
 * A tick works in batches of 500 tasks (or patients): each task stream of a batch (a patient's day, see
 * {@link taskStreamId}) gets one command for all its tasks in it, and the batch's events and its rows in the schedule
 * are written in one transaction; a replan of many patients is one write of the schedule. Deciding reads only the
 * streams of the days the batch's tasks fall due on, so a tick costs the same however long the courses have run.
 */
@Injectable()
export class TaskScheduler {
  constructor(
    @Inject(TaskSchedule) private readonly schedule: TaskSchedule,
    @Inject(EnrolmentStreams) private readonly enrolments: EnrolmentStreams,
    @Inject(PathwayDefinitions) private readonly definitions: PathwayDefinitions,
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(ChangeEnrolmentHandler) private readonly changes: ChangeEnrolmentHandler,
  ) {}

  /** Plans the patient's tasks from `now` for the horizon, from their enrolment as it now is. */
  async replan(patientId: string, now: Date): Promise<void> {
    await this.replanAll([patientId], now);
  }

  /** Plans each patient's tasks from `now` for the horizon (see {@link replan}), written to the schedule at once. */
  async replanAll(patientIds: readonly string[], now: Date): Promise<void> {
    const versions = new Map<string, Promise<PathwayVersion | undefined>>();
    const versionOf = (pathwayId: string, version: number): Promise<PathwayVersion | undefined> => {
      const key = `${pathwayId}|${version}`;
      if (!versions.has(key)) versions.set(key, this.definitions.version(pathwayId, version));
      return versions.get(key)!;
    };
    const plans: PatientPlan[] = [];
    for (const patientId of new Set(patientIds)) plans.push(await this.planOf(patientId, now, versionOf));
    await this.schedule.plan(plans);
  }

  private async planOf(patientId: string, now: Date, versionOf: (pathwayId: string, version: number) => Promise<PathwayVersion | undefined>): Promise<PatientPlan> {
    const { state } = await this.enrolments.load(patientId);
    const from = now.toISOString();
    if (state.status === 'not-enrolled' || state.status === 'discharged' || (state.status === 'paused' && !state.pause.until)) return { patientId, tasks: [], from };
    const pathway = await versionOf(state.pathwayId, state.pathwayVersion);
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
    return { patientId, tasks, from, until };
  }

  /** One pass: which pauses ended, what fell due, what was missed, whose plan to extend. Returns how many of each. */
  async tick(now: Date): Promise<{ resumed: number; due: number; missed: number; replanned: number }> {
    const at = now.toISOString();
    const resumed = await this.endPauses(at, now);
    let due = 0;
    let missed = 0;
    let replanned = 0;
    for (let batch = await this.schedule.dueBy(at, BATCH); batch.length > 0; batch = await this.schedule.dueBy(at, BATCH)) {
      await this.markAll(batch, 'due', at);
      due += batch.length;
    }
    for (let batch = await this.schedule.expiredBy(at, BATCH); batch.length > 0; batch = await this.schedule.expiredBy(at, BATCH)) {
      await this.markAll(batch, 'missed', at);
      missed += batch.length;
    }
    const horizon = new Date(now.getTime() + (PLANNING_HORIZON_DAYS - 1) * DAY_MS).toISOString();
    for (let batch = await this.schedule.horizonsBefore(horizon, BATCH); batch.length > 0; batch = await this.schedule.horizonsBefore(horizon, BATCH)) {
      await this.replanAll(batch, now);
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
    const at = now.toISOString();
    const completeTask: TaskCommand = { type: 'CompleteTask', data: { taskId: task.taskId, completedAt: input.at, inputEventId }, metadata: systemMetadata(`schedule:completed:${task.taskId}:${inputEventId}`, at) };
    // The input came before the tick that makes the task due: it falls due first.
    const commands = task.status === 'planned' ? [markDue([task], at), completeTask] : [completeTask];
    const [results] = await this.decideTogether([{ stream: streamOf(task), commands }], async (tx, [decided]) => {
      const last = decided!.results[decided!.results.length - 1]!;
      const status = taskOf(last.state, task.taskId)?.status;
      if (wrote(last)) await this.schedule.setStatus(tx, [task.taskId], 'completed', inputEventId);
      else if (status && status !== task.status) await this.schedule.setStatus(tx, [task.taskId], status);
    });
    return wrote(results![results!.length - 1]!);
  }

  /**
   * The batch's tasks fall due (or are missed): one command per task stream; their events and their rows' new
   * statuses in one transaction. Each row gets the status its task stream holds (an input may have completed it first).
   */
  private async markAll(tasks: readonly ScheduledTask[], status: 'due' | 'missed', at: string): Promise<void> {
    const byStream = new Map<string, ScheduledTask[]>();
    for (const task of tasks) byStream.set(streamOf(task), [...(byStream.get(streamOf(task)) ?? []), task]);
    // In the order of their streams: replicas working on the same batch lock the streams in one order and wait for each other.
    const work = [...byStream.keys()].sort().map((stream): StreamWork => {
      const own = byStream.get(stream)!;
      return { stream, commands: [status === 'due' ? markDue(own, at) : markMissed(own, at)] };
    });
    await this.decideTogether(work, async (tx, decided) => {
      const byStatus = new Map<ScheduledTask['status'], string[]>();
      for (const { stream, results } of decided) {
        for (const { taskId } of byStream.get(stream)!) {
          // A task its stream does not know (a row older than its events) still leaves the index, or every tick would find it again.
          const now = taskOf(results[0]!.state, taskId)?.status ?? status;
          byStatus.set(now, [...(byStatus.get(now) ?? []), taskId]);
        }
      }
      for (const [now, taskIds] of byStatus) await this.schedule.setStatus(tx, taskIds, now);
    });
  }

  /**
   * Decides each stream's commands (in order), each stream read once, then appends all the events and runs `alsoWrite`
   * with what was decided, in one transaction, each stream checked against the version it was read at. When another
   * writer got to one of the streams first (a replica on the same batch, an input's completion), stream by stream,
   * each decided again on what the other stored until it goes through: the decider writes each task's event once.
   * Returns each stream's results, in order.
   */
  private async decideTogether(work: readonly StreamWork[], alsoWrite: (tx: Transaction, decided: readonly StreamResults[]) => Promise<void>): Promise<readonly (readonly TaskResult[])[]> {
    try {
      return await this.decideInOneTransaction(work, alsoWrite);
    } catch (error) {
      if (!isWriteConflict(error)) throw error;
    }
    const results: (readonly TaskResult[])[] = [];
    for (const one of work) {
      for (let attempt = 1; ; attempt++) {
        try {
          results.push(...(await this.decideInOneTransaction([one], alsoWrite)));
          break;
        } catch (error) {
          if (attempt >= MAX_ATTEMPTS || !isWriteConflict(error)) throw error;
        }
      }
    }
    return results;
  }

  private async decideInOneTransaction(work: readonly StreamWork[], alsoWrite: (tx: Transaction, decided: readonly StreamResults[]) => Promise<void>): Promise<readonly (readonly TaskResult[])[]> {
    const unit = this.store.unitOfWork();
    const decided: StreamResults[] = [];
    for (const { stream, commands } of work) {
      const results: TaskResult[] = [];
      for (const command of commands) results.push(await handleCommand(unit.store, stream, taskDecider, command, { maxConcurrencyRetries: 0 }));
      decided.push({ stream, results });
    }
    await this.transactions.run(async (tx) => {
      await unit.flush(tx);
      await alsoWrite(tx, decided);
    });
    return decided.map((d) => d.results);
  }
}

/** The stream that holds a task's events: its day's, unless it fell due while streams were per patient. */
const streamOf = (task: ScheduledTask): string => task.stream ?? taskStreamId(task.patientId, task.dueAt);

/** Whether a command appended events (not handled before, and something changed). */
const wrote = (result: TaskResult): boolean => !result.alreadyHandled && result.events.length > 0;

/** One stream's tasks fall due; the command id comes from the tasks, so a retry of the same batch writes nothing (one task: as before batches). */
function markDue(tasks: readonly ScheduledTask[], at: string): TaskCommand {
  const details = tasks.map(({ slot: _slot, status: _status, completedBy: _by, stream: _stream, ...task }): TaskDetails => task);
  return { type: 'MarkTasksDue', data: { tasks: details }, metadata: systemMetadata(`schedule:due:${tasks.map((t) => t.taskId).join(',')}`, at) };
}

/** One stream's due tasks whose windows have ended are missed. */
function markMissed(tasks: readonly ScheduledTask[], at: string): TaskCommand {
  return { type: 'MarkTasksMissed', data: { taskIds: tasks.map((t) => t.taskId) }, metadata: systemMetadata(`schedule:missed:${tasks.map((t) => t.taskId).join(',')}`, at) };
}
