import type { Decider, DomainCommand, DomainEvent } from '@varde/core';
import type { ActivityKind } from './pathway-definition';

/** What a task is: which activity of which enrolment, when it is due and until when it counts. */
export type TaskDetails = Readonly<{
  taskId: string;
  patientId: string;
  enrolmentId: string;
  pathwayId: string;
  pathwayVersion: number;
  activity: string;
  title: string;
  kind: ActivityKind;
  loinc?: string;
  questionnaire?: string;
  dueAt: string;
  windowEnd: string;
}>;

/** A task fell due. */
export type TaskDue = DomainEvent<'TaskDue', TaskDetails>;
/** A due task was done inside its window, by the input named. */
export type TaskCompleted = DomainEvent<'TaskCompleted', { taskId: string; patientId: string; activity: string; completedAt: string; inputEventId: string }>;
/** A due task's window ended without it being done. */
export type TaskMissed = DomainEvent<'TaskMissed', TaskDetails>;
/** Every event of a patient's task stream. */
export type TaskEvent = TaskDue | TaskCompleted | TaskMissed;

/** Make planned tasks of one patient due (a tick's batch; one task when an input comes before the tick). */
export type MarkTasksDue = DomainCommand<'MarkTasksDue', { tasks: readonly TaskDetails[] }>;
/** Complete a due task with an input that took effect at `completedAt`. */
export type CompleteTask = DomainCommand<'CompleteTask', { taskId: string; completedAt: string; inputEventId: string }>;
/** Close due tasks of one patient whose windows have ended. */
export type MarkTasksMissed = DomainCommand<'MarkTasksMissed', { taskIds: readonly string[] }>;
/** Every command of the task decider. */
export type TaskCommand = MarkTasksDue | CompleteTask | MarkTasksMissed;

/** A task that fell due, with where it is now. */
export type TaskStatus = TaskDetails & Readonly<{ status: 'due' | 'completed' | 'missed' }>;
/** One change of a task, linked to the changes before it. */
type TaskChange = Readonly<{ task: TaskStatus; before: TaskChange | undefined }>;
/**
 * The tasks of one task stream that fell due, as a list of changes, the latest first. Each event adds one change and
 * shares the rest (a fold is linear in the stream's length). Look a task up with {@link taskOf}.
 */
export type TaskState = Readonly<{ latest: TaskChange | undefined }>;

/** The task as it now is, if it ever fell due. */
export function taskOf(state: TaskState, taskId: string): TaskStatus | undefined {
  for (let change = state.latest; change; change = change.before) if (change.task.taskId === taskId) return change.task;
  return undefined;
}

/**
 * The stream of a patient's tasks due on one day (UTC): `tasks-<patientId>-<yyyy-mm-dd>`. Every decision about a task
 * (due, completed, missed) needs only that task's events, so a stream holds one day's tasks (~6 events for three
 * daily activities) and a tick reads the same few events 90 days into a course as on its first day; one stream per
 * patient grew ~6 events a day and the tick read all of it (docs/operations/benchmarks.md, "Pathways: schedules at
 * scale"). The day follows from the task's due time, which never changes once the task is due, so every command on a
 * task finds the same stream.
 */
export const taskStreamId = (patientId: string, dueAt: string): string => `tasks-${patientId}-${new Date(dueAt).toISOString().slice(0, 10)}`;

/**
 * A patient's tasks (of one day's stream): due once, then either completed (by an input taking effect inside the window) or missed
 * (its window ended first), never both. Repeats change nothing — per task, also inside a batch that repeats a task
 * or overlaps an earlier one — so the scheduler and its replicas may retry freely. A batch gives one event per
 * task, the same event a single task gives, so consumers see no batches.
 */
export function decideTask(command: TaskCommand, state: TaskState): TaskEvent[] {
  switch (command.type) {
    case 'MarkTasksDue': {
      const seen = new Set<string>();
      return command.data.tasks.flatMap((task): TaskDue[] => {
        if (seen.has(task.taskId) || taskOf(state, task.taskId)) return [];
        seen.add(task.taskId);
        return [{ type: 'TaskDue', data: task }];
      });
    }
    case 'CompleteTask': {
      const task = taskOf(state, command.data.taskId);
      if (task?.status !== 'due') return [];
      const at = Date.parse(command.data.completedAt);
      if (at < Date.parse(task.dueAt) || at > Date.parse(task.windowEnd)) return [];
      return [{ type: 'TaskCompleted', data: { taskId: task.taskId, patientId: task.patientId, activity: task.activity, completedAt: command.data.completedAt, inputEventId: command.data.inputEventId } }];
    }
    case 'MarkTasksMissed': {
      const now = Date.parse(command.metadata.now);
      return [...new Set(command.data.taskIds)].flatMap((taskId): TaskMissed[] => {
        const task = taskOf(state, taskId);
        if (task?.status !== 'due' || now < Date.parse(task.windowEnd)) return [];
        const { status: _status, ...details } = task;
        return [{ type: 'TaskMissed', data: details }];
      });
    }
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

/** Applies one event. */
export function evolveTask(state: TaskState, event: TaskEvent): TaskState {
  switch (event.type) {
    case 'TaskDue':
      return { latest: { task: { ...event.data, status: 'due' }, before: state.latest } };
    case 'TaskCompleted':
    case 'TaskMissed': {
      const task = taskOf(state, event.data.taskId);
      if (!task) return state;
      return { latest: { task: { ...task, status: event.type === 'TaskCompleted' ? 'completed' : 'missed' }, before: state.latest } };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The task decider. */
export const taskDecider: Decider<TaskCommand, TaskState, TaskEvent> = { decide: decideTask, evolve: evolveTask, initialState: () => ({ latest: undefined }) };
