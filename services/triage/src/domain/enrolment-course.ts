import type { Code } from './rule-set';

/** Where the enrolment stood from a moment on: paused and discharged patients are not expected to report. */
export type CourseChange = Readonly<{ at: string; status: 'active' | 'paused' | 'discharged' }>;

/** A task of the pathway's schedule that was not done inside its window (pathways' TaskMissed). */
export type MissedTask = Readonly<{ taskId: string; code: Code; dueAt: string; windowEnd: string }>;

/** What the patient's enrolment did, as triage records it (pathways' EnrolmentPaused, EnrolmentResumed, PatientDischarged, PathwayChanged, CareTeamChanged). */
export type EnrolmentChange =
  | Readonly<{ kind: 'paused'; at: string; reason: string; until?: string }>
  | Readonly<{ kind: 'resumed'; at: string }>
  | Readonly<{ kind: 'discharged'; at: string; reason: string }>
  | Readonly<{ kind: 'pathway-changed'; at: string; pathwayId: string; ruleSetId: string; ruleSetVersion: number }>
  | Readonly<{ kind: 'care-team-changed'; at: string; careTeamId: string }>;

/** The course change an enrolment change makes, if it is one (a pause, a resume or a discharge). */
export function courseChangeOf(change: EnrolmentChange): CourseChange | undefined {
  switch (change.kind) {
    case 'paused':
      return { at: change.at, status: 'paused' };
    case 'resumed':
      return { at: change.at, status: 'active' };
    case 'discharged':
      return { at: change.at, status: 'discharged' };
    case 'pathway-changed':
    case 'care-team-changed':
      return undefined;
    default: {
      const _exhaustive: never = change;
      return undefined;
    }
  }
}

/** The course with one more change, in time order (a change at the same moment as another comes after it). */
export function withCourseChange(course: readonly CourseChange[], change: CourseChange): readonly CourseChange[] {
  const at = Date.parse(change.at);
  const index = course.findIndex((c) => Date.parse(c.at) > at);
  return index < 0 ? [...course, change] : [...course.slice(0, index), change, ...course.slice(index)];
}

/**
 * Where the enrolment stood at `at` (epoch ms) and since when: the latest course change at or before it; active
 * (since nothing) when there was none.
 */
export function courseAt(course: readonly CourseChange[] | undefined, at: number): { status: CourseChange['status']; since?: number } {
  for (let i = (course?.length ?? 0) - 1; i >= 0; i--) {
    const change = course![i]!;
    const since = Date.parse(change.at);
    if (since <= at) return { status: change.status, since };
  }
  return { status: 'active' };
}

/** The moments the enrolment became active again (resumes): a missing report counts from there. */
export const resumeTimes = (course: readonly CourseChange[] | undefined): number[] => (course ?? []).filter((c) => c.status === 'active').map((c) => Date.parse(c.at));
