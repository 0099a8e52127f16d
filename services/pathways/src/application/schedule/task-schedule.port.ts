import type { Transaction } from '@varde/event-sourcing';
import type { TaskDetails } from '../../domain/task.decide';

/**
 * A task as the schedule holds it: planned (ahead), due, completed, missed, or cancelled (paused, discharged or
 * replaced). `stream`: the stream holding its events when that is not its day's (`taskStreamId`): tasks that fell due
 * while each patient had one task stream.
 */
export type ScheduledTask = TaskDetails & Readonly<{ slot: string; status: 'planned' | 'due' | 'completed' | 'missed' | 'cancelled'; completedBy?: string; stream?: string }>;

/**
 * A patient's plan from `from` on: `tasks` planned until `until`. Without `until` (paused without an end date,
 * discharged, never enrolled) nothing is planned and the patient's horizon is forgotten.
 */
export type PatientPlan = Readonly<{ patientId: string; tasks: readonly (TaskDetails & { slot: string })[]; from: string; until?: string }>;

/** What an input (a measurement or a questionnaire response) can complete. */
export type TaskInput = Readonly<{ patientId: string; loinc?: string; questionnaire?: string; at: string }>;

/**
 * Port: the schedule of tasks, indexed by due time and by window end, so each tick finds what falls due and what
 * was missed without looking at every enrolment.
 */
export abstract class TaskSchedule {
  /**
   * For each plan, makes its tasks the patient's planned tasks from its `from` on (planned ones not among them are
   * cancelled) and records its horizon; all in one transaction. Each patient at most once.
   */
  abstract plan(plans: readonly PatientPlan[]): Promise<void>;
  /**
   * Claims in `tx` up to `limit` planned tasks whose due time has come (oldest first; only those of `taskIds`, when
   * given): their rows stay locked until `tx` ends, and rows another transaction holds (a replica's batch, an input
   * completing the task) are skipped.
   */
  abstract claimDue(tx: Transaction, now: string, limit: number, taskIds?: readonly string[]): Promise<ScheduledTask[]>;
  /** Claims due tasks whose window has ended, as {@link claimDue} does. */
  abstract claimExpired(tx: Transaction, now: string, limit: number, taskIds?: readonly string[]): Promise<ScheduledTask[]>;
  /** Locks the task's row in `tx`, waiting while another transaction (a tick's batch) holds it, and returns the task as it then is. */
  abstract lock(tx: Transaction, taskId: string): Promise<ScheduledTask | undefined>;
  /** Patients whose planned horizon ends before `before`. */
  abstract horizonsBefore(before: string, limit: number): Promise<string[]>;
  /** Records the tasks' new status in `tx`, the transaction that appends their events (`completedBy`: the input that completed them). */
  abstract setStatus(tx: Transaction, taskIds: readonly string[], status: ScheduledTask['status'], completedBy?: string): Promise<void>;
  /** For each input, the open task it completes (same patient, same code or questionnaire, the input inside its window), in one look-up. */
  abstract openTasksFor(inputs: readonly TaskInput[]): Promise<(ScheduledTask | undefined)[]>;
  /**
   * Records in `tx` — the transaction of the enrolment events that pause, resume or discharge — when the patient's
   * pause ends by itself; none: not paused with an end date.
   */
  abstract setPauseEnd(tx: Transaction, patientId: string, endsAt: string | undefined): Promise<void>;
  /** Patients whose pause ends at or before `now` (the earliest first), with its end. */
  abstract pauseEndsBy(now: string, limit: number): Promise<{ patientId: string; endsAt: string }[]>;
  /** A patient's tasks due in [from, to), and every task still due. */
  abstract tasksOf(patientId: string, from: string, to: string, status?: ScheduledTask['status']): Promise<ScheduledTask[]>;
}
