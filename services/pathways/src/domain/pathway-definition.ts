/**
 * The rule set a pathway is triaged with, by id. Rule sets are data owned by triage (authored in YAML or JSON,
 * published in versions); a patient is triaged with the latest published version, recorded in every decision.
 * Version 0 means exactly that: "the latest published".
 */
export type RuleSetRef = Readonly<{ id: string; version: 0 }>;

/** Days of the week as FHIR Timing writes them. */
export const DAYS_OF_WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** One of {@link DAYS_OF_WEEK}. */
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

/**
 * When an activity falls due: the subset of FHIR `Timing.repeat` Varde schedules. Either every `period`
 * `periodUnit` (days or weeks, counted from the enrolment's first day), or on `dayOfWeek`s; at each `timeOfDay`
 * (patient's local time, default 08:00). A task counts as done from its due time until `window` after it.
 */
export type ActivitySchedule = Readonly<{
  period?: number;
  periodUnit?: 'd' | 'wk';
  dayOfWeek?: readonly DayOfWeek[];
  timeOfDay: readonly string[];
  /** ISO 8601 duration, e.g. "PT4H". */
  window: string;
}>;

/** What an activity asks the patient for. */
export type ActivityKind = 'measurement' | 'questionnaire' | 'task';

/** One activity of a pathway, from an ActivityDefinition. */
export type PathwayActivity = Readonly<{
  /** The ActivityDefinition's canonical (`url|version`), unique within the pathway. */
  id: string;
  title: string;
  kind: ActivityKind;
  /** A measurement's LOINC code (e.g. "2708-6"); absent for other kinds. */
  loinc?: string;
  /** A questionnaire's canonical `url|version`; absent for other kinds. */
  questionnaire?: string;
  schedule: ActivitySchedule;
}>;

/** Triage colours a self-care plan speaks to. */
export const COLOURS = ['green', 'yellow', 'red'] as const;
/** One of {@link COLOURS}. */
export type Colour = (typeof COLOURS)[number];
/** What the patient should do at each colour, in Norwegian bokmål and English. */
export type SelfCarePlan = Readonly<Record<Colour, Readonly<{ nb: string; en: string }>>>;

/** A pathway version as patients are enrolled on it and scheduled by it. */
export type PathwayVersion = Readonly<{
  /** Short id, the last segment of the PlanDefinition url (e.g. "copd"). */
  id: string;
  version: number;
  title: string;
  ruleSet: RuleSetRef;
  /** The care team a patient is enrolled with when the enrolment names none. */
  defaultCareTeam: string;
  /** ISO 8601 duration of the expected course, e.g. "P12W". */
  expectedDuration?: string;
  activities: readonly PathwayActivity[];
  selfCarePlan?: SelfCarePlan;
}>;

/** The questionnaires (canonical `url|version`) a pathway version asks for, each once. */
export const questionnairesOf = (pathway: PathwayVersion): string[] => [...new Set(pathway.activities.flatMap((a) => (a.questionnaire ? [a.questionnaire] : [])))];

/**
 * Enrolments recorded before pathways were data named no care team: they belong to the team COPD, the only
 * pathway then, had by default.
 */
export const LEGACY_DEFAULT_CARE_TEAMS: Readonly<Record<string, string>> = { copd: 'copd-care-team' };
