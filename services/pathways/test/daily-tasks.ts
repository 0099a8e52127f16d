import { occurrencesOf } from '../src/application/schedule/occurrences';
import type { PathwayActivity } from '../src/domain/pathway-definition';
import type { TaskDetails } from '../src/domain/task.decide';

const daily = (id: string, loinc: string, time: string): PathwayActivity => ({
  id: `https://varde.no/fhir/ActivityDefinition/${id}|1`,
  title: id,
  kind: 'measurement',
  loinc,
  schedule: { period: 1, periodUnit: 'd', timeOfDay: [time], window: 'PT4H' },
});

/** A heart-failure patient's day, as the scheduler tests and bench:pathways plan it: weight at 07:00, blood pressure and pulse at 08:00 (Europe/Oslo), each with a 4-hour window. */
export const DAILY_ACTIVITIES: readonly PathwayActivity[] = [daily('weight', '29463-7', '07:00:00'), daily('blood-pressure', '85354-9', '08:00:00'), daily('pulse', '8867-4', '08:00:00')];

/** The tasks of {@link DAILY_ACTIVITIES} falling due in [from, to) for one enrolment, as a replan plans them. */
export function dailyTasks(patientId: string, enrolmentId: string, enrolledAt: string, from: string, to: string): (TaskDetails & { slot: string })[] {
  return DAILY_ACTIVITIES.flatMap((a) =>
    occurrencesOf(a, enrolmentId, enrolledAt, from, to).map((o) => ({
      taskId: o.taskId, slot: o.slot, patientId, enrolmentId, pathwayId: 'heart-failure', pathwayVersion: 1, activity: a.id, title: a.title, kind: a.kind, loinc: a.loinc!, dueAt: o.dueAt, windowEnd: o.windowEnd,
    })),
  );
}
