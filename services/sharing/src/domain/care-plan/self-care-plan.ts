/** The triage colours a self-care plan speaks to, in the order a reader meets them. */
export const PLAN_COLOURS = ['green', 'yellow', 'red'] as const;
/** One of {@link PLAN_COLOURS}. */
export type PlanColour = (typeof PLAN_COLOURS)[number];
/** What the patient should do at each colour, in Norwegian bokmål and English (as the pathway version defines it). */
export type SelfCarePlan = Readonly<Record<PlanColour, Readonly<{ nb: string; en: string }>>>;

/** A published pathway version as sharing learns it from PathwayPublished: its title and self-care plan, if any. */
export type PublishedPathway = Readonly<{ pathwayId: string; pathwayVersion: number; title: string; plan?: SelfCarePlan }>;

/** An enrolment's course as sharing learns it from pathways' events. */
export type EnrolmentCourse = Readonly<{ enrolmentId: string; patientId: string; pathwayId: string; pathwayVersion: number; enrolledAt: string; dischargedAt?: string }>;

/**
 * One version of what is shared of an enrolment's self-care plan: everything its CarePlan and PDF are made of. While
 * shared it is `active`, `completed` once the patient is discharged; `revoked` (without the plan) once it may no
 * longer be shared or no longer applies.
 */
export type SharedSelfCarePlan = Readonly<{
  enrolmentId: string;
  status: 'active' | 'completed' | 'revoked';
  pathwayId: string;
  pathwayVersion: number;
  title: string;
  periodStart: string;
  periodEnd?: string;
  plan?: SelfCarePlan;
}>;

/** The version last queued for an enrolment, and whether any version ever reached the receiver. */
export type LastShared = Readonly<{ content: SharedSelfCarePlan; live: boolean; delivered: boolean }>;

/** What to do with an enrolment's shared self-care plan after something changed. */
export type PlanChange = Readonly<{ kind: 'share'; content: SharedSelfCarePlan } | { kind: 'withhold'; reason: string } | { kind: 'none' }>;

/**
 * Decides from the enrolment's course, its pathway version (undefined: not yet published to sharing), whether the
 * patient's consents let enrolment data go to the municipality and GP now, and what was shared before:
 * - permitted and the version has a plan: share it (`active`, or `completed` after discharge) unless that very
 *   content is already queued or delivered;
 * - otherwise, once a version was delivered: share one `revoked` version (without the plan), then nothing more;
 * - otherwise: hold back anything queued and not yet delivered.
 */
export function nextSelfCarePlan(course: EnrolmentCourse, pathway: PublishedPathway | undefined, permitted: Readonly<{ permitted: true } | { permitted: false; reason: string }>, last: LastShared | undefined): PlanChange {
  if (!pathway) return { kind: 'none' };
  const base = { enrolmentId: course.enrolmentId, pathwayId: course.pathwayId, pathwayVersion: course.pathwayVersion, title: pathway.title, periodStart: course.enrolledAt, ...(course.dischargedAt ? { periodEnd: course.dischargedAt } : {}) };
  if (permitted.permitted && pathway.plan) {
    const content: SharedSelfCarePlan = { ...base, status: course.dischargedAt ? 'completed' : 'active', plan: pathway.plan };
    return last?.live && sameContent(last.content, content) ? { kind: 'none' } : { kind: 'share', content };
  }
  if (last?.delivered && !(last.live && last.content.status === 'revoked')) return { kind: 'share', content: { ...last.content, status: 'revoked', plan: undefined } };
  if (last?.live && !last.delivered) return { kind: 'withhold', reason: permitted.permitted ? 'the pathway version has no self-care plan' : permitted.reason };
  return { kind: 'none' };
}

const sameContent = (a: SharedSelfCarePlan, b: SharedSelfCarePlan): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
const canonical = (s: SharedSelfCarePlan) => [s.enrolmentId, s.status, s.pathwayId, s.pathwayVersion, s.title, s.periodStart, s.periodEnd ?? null, s.plan ? PLAN_COLOURS.map((c) => [s.plan![c].nb, s.plan![c].en]) : null];
