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
// Tries of a transaction when another writer (a replica's batch, an input's completion) got to one of its streams first.
const MAX_ATTEMPTS = 4;


/** An input that may complete a task: its event id, and what it may complete (a panel's codes, in order), the first that does. */
export type InputEvent = Readonly<{ eventId: string; alternatives: readonly TaskInput[] }>;

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
 * are written in the transaction that claimed the batch's rows (replicas take different batches); a replan of many
 * patients is one write of the schedule. Deciding reads only the streams of the days the batch's tasks fall due on,
 * so a tick costs the same however long the courses have run.
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
    const due = await this.markAll('due', at);
    const missed = await this.markAll('missed', at);
    let replanned = 0;
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

  /**
   * Completes, for each input (a measurement or a questionnaire response, by its event id), the open task it matches,
   * if any: the first of its alternatives (a panel's codes, in order) that completes one. The open tasks of all the
   * inputs are found in one look-up (a consumer's run of many patients' messages); a task an earlier input completed
   * is looked up again for the next. Each task's row is locked first: a tick holding it in its batch finishes, and the
   * task's stream is read after that tick's events (tick and completion take the row, then the stream, in that order,
   * so they never wait on each other in a circle).
   */
  async completeAll(inputs: readonly InputEvent[], now: Date): Promise<void> {
    const found = await this.schedule.openTasksFor(inputs.flatMap((i) => i.alternatives));
    const completed = new Set<string>();
    let next = 0;
    for (const { alternatives, eventId } of inputs) {
      const candidates = found.slice(next, (next += alternatives.length));
      for (const [j, input] of alternatives.entries()) {
        const candidate = candidates[j];
        const open = candidate && completed.has(candidate.taskId) ? (await this.schedule.openTasksFor([input]))[0] : candidate;
        if (open && (await this.completeOpen(open, input, eventId, now))) {
          completed.add(open.taskId);
          break;
        }
      }
    }
  }

  private completeOpen(open: ScheduledTask, input: TaskInput, inputEventId: string, now: Date): Promise<boolean> {
    const at = now.toISOString();
    return this.retryingConflicts(() =>
      this.transactions.run(async (tx) => {
        const task = await this.schedule.lock(tx, open.taskId);
        if (!task || task.status === 'cancelled') return false;
        const completeTask: TaskCommand = { type: 'CompleteTask', data: { taskId: task.taskId, completedAt: input.at, inputEventId }, metadata: systemMetadata(`schedule:completed:${task.taskId}:${inputEventId}`, at) };
        // The input came before the tick that makes the task due: it falls due first.
        const commands = task.status === 'planned' ? [markDue([task], at), completeTask] : [completeTask];
        const [decided] = await this.decideIn(tx, [{ stream: streamOf(task), commands }]);
        const last = decided!.results[decided!.results.length - 1]!;
        const status = taskOf(last.state, task.taskId)?.status;
        if (wrote(last)) await this.schedule.setStatus(tx, [task.taskId], 'completed', inputEventId);
        else if (status && status !== task.status) await this.schedule.setStatus(tx, [task.taskId], status);
        return wrote(last);
      }),
    );
  }

  /** Makes every planned task whose time has come due (or every due task whose window has ended missed), batch after batch. Returns how many. */
  private async markAll(status: 'due' | 'missed', at: string): Promise<number> {
    let marked = 0;
    for (let batch = await this.markBatch(status, at); batch.claimed > 0; batch = await this.markBatch(status, at)) marked += batch.marked;
    return marked;
  }

  /**
   * Claims a batch of 500 tasks and marks them in one transaction: the claim locks their rows and skips rows another
   * transaction holds (`FOR UPDATE SKIP LOCKED`), so replicas ticking at the same time take different batches and
   * share the work. When another writer got to one of the batch's streams first (an input's completion, a replica's
   * batch with another task of the same day), the batch's tasks once more in one transaction, decided on what the other
   * stored; if that conflicts too, stream by stream. Each retry claims its tasks again (one may be done by then).
   * Returns how many tasks it claimed (0: none left) and how many it marked.
   */
  private async markBatch(status: 'due' | 'missed', at: string): Promise<{ claimed: number; marked: number }> {
    let batch: readonly ScheduledTask[] = [];
    const markClaimed = (taskIds?: readonly string[]): Promise<number> =>
      this.transactions.run(async (tx) => {
        const tasks = status === 'due' ? await this.schedule.claimDue(tx, at, BATCH, taskIds) : await this.schedule.claimExpired(tx, at, BATCH, taskIds);
        if (!taskIds) batch = tasks;
        await this.markInTransaction(tx, tasks, status, at);
        return tasks.length;
      });
    try {
      const marked = await markClaimed();
      return { claimed: marked, marked };
    } catch (error) {
      if (!isWriteConflict(error)) throw error;
    }
    try {
      return { claimed: batch.length, marked: await markClaimed(batch.map((t) => t.taskId)) };
    } catch (error) {
      if (!isWriteConflict(error)) throw error;
    }
    let marked = 0;
    for (const tasks of byStream(batch).values()) marked += await this.retryingConflicts(() => markClaimed(tasks.map((t) => t.taskId)));
    return { claimed: batch.length, marked };
  }

  /**
   * The claimed tasks fall due (or are missed) in `tx`: one command per task stream, their events and their rows' new
   * statuses. Each row gets the status its task stream holds (an input may have completed it first).
   */
  private async markInTransaction(tx: Transaction, tasks: readonly ScheduledTask[], status: 'due' | 'missed', at: string): Promise<void> {
    if (tasks.length === 0) return;
    const streams = byStream(tasks);
    // In the order of their streams: transactions appending to overlapping streams lock them in one order and wait for each other.
    const work = [...streams.keys()].sort().map((stream): StreamWork => {
      const own = streams.get(stream)!;
      return { stream, commands: [status === 'due' ? markDue(own, at) : markMissed(own, at)] };
    });
    const byStatus = new Map<ScheduledTask['status'], string[]>();
    for (const { stream, results } of await this.decideIn(tx, work)) {
      for (const { taskId } of streams.get(stream)!) {
        // A task its stream does not know (a row older than its events) still leaves the index, or every tick would find it again.
        const now = taskOf(results[0]!.state, taskId)?.status ?? status;
        byStatus.set(now, [...(byStatus.get(now) ?? []), taskId]);
      }
    }
    for (const [now, taskIds] of byStatus) await this.schedule.setStatus(tx, taskIds, now);
  }

  /**
   * Decides each stream's commands (in order), each stream read once (after the caller's locks), and appends all the
   * events in `tx`, each stream checked against the version it was read at: when another writer got there first, the
   * append fails and `tx` with it. Returns what each stream's commands gave.
   */
  private async decideIn(tx: Transaction, work: readonly StreamWork[]): Promise<readonly StreamResults[]> {
    const unit = this.store.unitOfWork();
    const decided: StreamResults[] = [];
    for (const { stream, commands } of work) {
      const results: TaskResult[] = [];
      for (const command of commands) results.push(await handleCommand(unit.store, stream, taskDecider, command, { maxConcurrencyRetries: 0 }));
      decided.push({ stream, results });
    }
    await unit.flush(tx);
    return decided;
  }

  /** Runs `work` (a transaction) again when another writer got to one of its streams first, up to 4 times: the decider writes each task's event once. */
  private async retryingConflicts<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isWriteConflict(error)) throw error;
      }
    }
  }
}

/** Tasks by the stream that holds their events. */
function byStream(tasks: readonly ScheduledTask[]): Map<string, ScheduledTask[]> {
  const streams = new Map<string, ScheduledTask[]>();
  for (const task of tasks) streams.set(streamOf(task), [...(streams.get(streamOf(task)) ?? []), task]);
  return streams;
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
