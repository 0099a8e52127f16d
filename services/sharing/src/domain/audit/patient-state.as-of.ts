import { enumWord, type EventData, type TimelineEvent } from './timeline-event';

/** The two instants of a state as of: the world at `at`, as it had been recorded by `knownAt`. */
export type AsOf = Readonly<{ at: string; knownAt: string }>;

/** The patient's enrolment at the instant. */
export type EnrolmentAsOf = Readonly<{
  enrolmentId: string;
  status: 'active' | 'paused' | 'discharged';
  pathwayId: string;
  pathwayVersion: number;
  ruleSetId: string;
  /** 0: the latest version published in triage. */
  ruleSetVersion: number;
  careTeamId: string;
  admission: number;
  enrolledAt: string;
  pausedUntil?: string;
  dischargeReason?: string;
}>;

/** The colour the clinician's worklist showed, with its reasons and what it was decided from. */
export type TriageAsOf = Readonly<{
  colour: string;
  reasons: readonly Readonly<{ ruleId: string; text: string }>[];
  assessmentId: string;
  effectiveTime: string;
  assessedAt: string;
  ruleSet: Readonly<{ id: string; version: number; hash: string }>;
  engineVersion: string;
  inputs: readonly string[];
  /** Version of the patient's rule overrides the decision applied (0: none); {@link PatientStateAsOf.ruleOverrides} lists them. */
  overridesVersion: number;
}>;

/** An alert open at the instant, and who held it. */
export type AlertAsOf = Readonly<{
  alertId: string;
  colour: string;
  reasons: readonly string[];
  raisedAt: string;
  assessmentId: string;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  /** The clinician it was last given to (AlertAssigned). */
  assignedTo?: string;
  escalation?: Readonly<{ level: number; target: string; at: string }>;
}>;

/** A consent or block in its version at the instant. */
export type ConsentAsOf = Readonly<{ consentId: string; version: number; state: string; provision: string; parties: readonly EventData[]; categories: readonly string[] }>;

/** The patient's own value for a rule's parameter in force at the instant (triage's rule overrides). */
export type RuleOverrideAsOf = Readonly<{ ruleId: string; parameter: string; value: number; reason: string; setBy: string; setAt: string; overridesVersion: number }>;

/** A form assigned and neither answered nor expired at the instant. */
export type AssignedFormAsOf = Readonly<{ assignmentId: string; questionnaire: string; assignedAt: string; dueAt?: string; expiresAt?: string }>;

/** What was true of a patient at one instant, as known at another (issue #22 item 2). */
export type PatientStateAsOf = Readonly<{
  at: string;
  knownAt: string;
  /** How many events the state was folded from. */
  events: number;
  enrolment: EnrolmentAsOf | null;
  triage: TriageAsOf | null;
  openAlerts: readonly AlertAsOf[];
  /** The patient's rule overrides in force, one per rule. */
  ruleOverrides: readonly RuleOverrideAsOf[];
  consents: readonly ConsentAsOf[];
  assignedForms: readonly AssignedFormAsOf[];
}>;

type Folding = {
  events: number;
  enrolment: EnrolmentAsOf | null;
  triage: TriageAsOf | null;
  alerts: Map<string, AlertAsOf>;
  overrides: Map<string, RuleOverrideAsOf>;
  consents: Map<string, ConsentAsOf>;
  forms: Map<string, AssignedFormAsOf>;
};

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));
const list = (value: unknown): readonly EventData[] => (Array.isArray(value) ? (value as EventData[]) : []);
const optional = <K extends string>(key: K, value: unknown): Partial<Record<K, string>> => (text(value) ? ({ [key]: text(value) } as Record<K, string>) : {});

/** Whether an event belongs to the state as of: it had happened by `at` and had been recorded by `knownAt`. */
export const isWithin = (event: Pick<TimelineEvent, 'effectiveTime' | 'recordedTime'>, asOf: AsOf): boolean =>
  Date.parse(event.effectiveTime) <= Date.parse(asOf.at) && Date.parse(event.recordedTime) <= Date.parse(asOf.knownAt);

/** Orders events as they happened in the world; of two at the same instant, the one recorded later wins. */
export const byEffectiveTime = (a: TimelineEvent, b: TimelineEvent): number =>
  Date.parse(a.effectiveTime) - Date.parse(b.effectiveTime) || Date.parse(a.recordedTime) - Date.parse(b.recordedTime) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

/**
 * Folds a patient's timeline into their state at `asOf.at` as it had been recorded by `asOf.knownAt`: events
 * that happened later, or were recorded later (a measurement sent tomorrow about today), are left out. Before the
 * patient's first event the state is empty, not an error. Pure: the same events give the same state.
 */
export function patientStateAsOf(timeline: readonly TimelineEvent[], asOf: AsOf): PatientStateAsOf {
  const folding: Folding = { events: 0, enrolment: null, triage: null, alerts: new Map(), overrides: new Map(), consents: new Map(), forms: new Map() };
  for (const event of timeline.filter((e) => isWithin(e, asOf)).sort(byEffectiveTime)) apply(folding, event);
  return {
    at: asOf.at,
    knownAt: asOf.knownAt,
    events: folding.events,
    enrolment: folding.enrolment,
    triage: folding.triage,
    openAlerts: [...folding.alerts.values()],
    ruleOverrides: [...folding.overrides.values()],
    consents: [...folding.consents.values()].filter((c) => c.state !== 'entered in error'),
    assignedForms: [...folding.forms.values()],
  };
}

function apply(s: Folding, event: TimelineEvent): void {
  s.events += 1;
  const d = event.data;
  const name = event.type.slice(event.type.lastIndexOf('.') + 1);
  switch (name) {
    case 'PatientEnrolled':
      s.enrolment = {
        enrolmentId: text(d.enrolmentId),
        status: 'active',
        pathwayId: text(d.pathwayId),
        pathwayVersion: num(d.pathwayVersion),
        ruleSetId: text(d.ruleSetId),
        ruleSetVersion: num(d.ruleSetVersion),
        careTeamId: text(d.careTeamId),
        admission: num(d.admission) || 1,
        enrolledAt: text(d.enrolledAt) || event.effectiveTime,
      };
      return;
    case 'EnrolmentPaused':
      if (s.enrolment) s.enrolment = { ...s.enrolment, status: 'paused', ...optional('pausedUntil', d.pausedUntil) };
      return;
    case 'EnrolmentResumed':
      if (s.enrolment) s.enrolment = { ...withoutPause(s.enrolment), status: 'active' };
      return;
    case 'PathwayChanged':
      if (s.enrolment) s.enrolment = { ...s.enrolment, pathwayId: text(d.pathwayId), pathwayVersion: num(d.pathwayVersion), ruleSetId: text(d.ruleSetId), ruleSetVersion: num(d.ruleSetVersion) };
      return;
    case 'CareTeamChanged':
      if (s.enrolment) s.enrolment = { ...s.enrolment, careTeamId: text(d.careTeamId) };
      return;
    case 'PatientDischarged':
      if (s.enrolment) s.enrolment = { ...withoutPause(s.enrolment), status: 'discharged', dischargeReason: enumWord(d.reason, 'DISCHARGE_REASON_') };
      return;
    case 'PatientTriaged': {
      const provenance = (d.provenance ?? {}) as EventData;
      s.triage = {
        colour: enumWord(d.colour, 'COLOUR_'),
        reasons: list(d.reasons).map((r) => ({ ruleId: text(r.ruleId), text: text(r.text) })),
        assessmentId: text(d.assessmentId),
        effectiveTime: event.effectiveTime,
        assessedAt: text(d.assessedAt),
        ruleSet: { id: text(provenance.ruleSetId), version: num(provenance.ruleSetVersion), hash: text(provenance.ruleSetHash) },
        engineVersion: text(provenance.engineVersion),
        inputs: list(provenance.inputs).map((i) => text(i.eventId)),
        overridesVersion: num(provenance.overridesVersion),
      };
      return;
    }
    case 'AlertRaised': {
      const earlier = s.alerts.get(text(d.alertId));
      s.alerts.set(text(d.alertId), {
        ...earlier,
        alertId: text(d.alertId),
        colour: enumWord(d.colour, 'COLOUR_'),
        reasons: Array.isArray(d.reasons) ? (d.reasons as string[]) : [],
        raisedAt: earlier?.raisedAt ?? (text(d.raisedAt) || event.effectiveTime),
        assessmentId: text(d.assessmentId),
      });
      return;
    }
    case 'AlertAcknowledged': {
      const alert = s.alerts.get(text(d.alertId));
      if (alert) s.alerts.set(alert.alertId, { ...alert, acknowledgedBy: text(d.acknowledgedBy), acknowledgedAt: text(d.acknowledgedAt) || event.effectiveTime });
      return;
    }
    case 'AlertEscalated': {
      const alert = s.alerts.get(text(d.alertId));
      if (alert) s.alerts.set(alert.alertId, { ...alert, escalation: { level: num(d.level), target: text(d.target), at: text(d.escalatedAt) || event.effectiveTime } });
      return;
    }
    case 'AlertAssigned': {
      const alert = s.alerts.get(text(d.alertId));
      if (alert) s.alerts.set(alert.alertId, { ...alert, assignedTo: text(d.assignee) });
      return;
    }
    case 'AlertResolved':
      s.alerts.delete(text(d.alertId));
      return;
    case 'RuleOverrideSet':
      s.overrides.set(text(d.ruleId), {
        ruleId: text(d.ruleId),
        parameter: text(d.parameter),
        value: num(d.value),
        reason: text(d.reason),
        setBy: text(d.setBy),
        setAt: text(d.setAt) || event.effectiveTime,
        overridesVersion: num(d.overridesVersion),
      });
      return;
    case 'RuleOverrideRemoved':
      s.overrides.delete(text(d.ruleId));
      return;
    case 'ConsentChanged': {
      const earlier = s.consents.get(text(d.consentId));
      if (earlier && earlier.version >= num(d.version)) return;
      s.consents.set(text(d.consentId), {
        consentId: text(d.consentId),
        version: num(d.version),
        state: enumWord(d.state, 'CONSENT_STATE_'),
        provision: enumWord(d.provision, 'CONSENT_PROVISION_'),
        parties: list(d.parties),
        categories: Array.isArray(d.categories) ? (d.categories as string[]) : [],
      });
      return;
    }
    case 'FormAssigned':
      s.forms.set(text(d.assignmentId), {
        assignmentId: text(d.assignmentId),
        questionnaire: `${text(d.questionnaireUrl)}|${text(d.questionnaireVersion)}`,
        assignedAt: text(d.assignedAt) || event.effectiveTime,
        ...optional('dueAt', d.dueAt),
        ...optional('expiresAt', d.expiresAt),
      });
      return;
    case 'FormAssignmentExpired':
      s.forms.delete(text(d.assignmentId));
      return;
    case 'QuestionnaireResponseSubmitted': {
      // A response answers the patient's assignments of that questionnaire (the event names no assignment).
      const answered = `${text(d.questionnaireUrl)}|${text(d.questionnaireVersion)}`;
      for (const [id, form] of s.forms) if (form.questionnaire === answered) s.forms.delete(id);
      return;
    }
    default:
      // Measurements, tasks, contacts, reminders and reads are on the timeline but change none of the above.
      return;
  }
}

function withoutPause(enrolment: EnrolmentAsOf): EnrolmentAsOf {
  const { pausedUntil: _pausedUntil, ...rest } = enrolment;
  return rest;
}
