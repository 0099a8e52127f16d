/**
 * One event of a patient's story as the auditor's timeline keeps it (issue #22): an integration event of any
 * service, with both of its times, who caused it, the ids that tie it to the events before and after it, what
 * happened in words, and the event itself as its protobuf JSON (the contract in proto/, camelCase fields).
 */
export type TimelineEvent = Readonly<{
  eventId: string;
  patientId: string;
  /** The integration event type, e.g. `varde.triage.v1.PatientTriaged`. */
  type: string;
  /** The producing service, e.g. `varde/triage`. */
  source: string;
  /** When it happened in the world. */
  effectiveTime: string;
  /** When the platform recorded it. */
  recordedTime: string;
  correlationId: string;
  causationId: string;
  /** Who caused it; null for events published before the actor travelled with them. */
  actor: TimelineActor | null;
  summary: string;
  data: EventData;
}>;

/** The person or system behind an event. */
export type TimelineActor = Readonly<{ subject: string; role: string; organisation?: string; onBehalfOf?: string; hprNumber?: string }>;

/** An integration event's payload as protobuf JSON. */
export type EventData = Readonly<Record<string, unknown>>;

type Coding = Readonly<{ system?: string; code?: string; display?: string }>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));
const list = (value: unknown): readonly EventData[] => (Array.isArray(value) ? (value as EventData[]) : []);
const coding = (value: unknown): string => {
  const c = (value ?? {}) as Coding;
  return c.display || c.code || 'an unknown code';
};

/** A protobuf enum's JSON name as a word: `COLOUR_RED` → `red`, `DISCHARGE_REASON_TRANSFERRED_TO_MUNICIPALITY` → `transferred to municipality`. */
export function enumWord(value: unknown, prefix: string): string {
  const name = text(value);
  return (name.startsWith(prefix) ? name.slice(prefix.length) : name).toLowerCase().replace(/_/g, ' ');
}

/** The effective time of an event: a triage decision's own point in effective time, else the message's. */
export function effectiveTimeOf(type: string, data: EventData, messageTime: string): string {
  if (type === 'varde.triage.v1.PatientTriaged' && text(data.effectiveTime)) return text(data.effectiveTime);
  return messageTime;
}

/** What happened, in one sentence an auditor can read without the contract at hand. */
export function describeEvent(type: string, data: EventData): string {
  const name = type.slice(type.lastIndexOf('.') + 1);
  switch (name) {
    case 'PatientEnrolled':
      return `Enrolled on pathway ${text(data.pathwayId)} v${num(data.pathwayVersion)} (care team ${text(data.careTeamId)}, rule set ${text(data.ruleSetId)}${num(data.ruleSetVersion) ? ` v${num(data.ruleSetVersion)}` : ', latest version'}, admission ${num(data.admission) || 1})`;
    case 'EnrolmentPaused':
      return `Enrolment paused${data.pausedUntil ? ` until ${text(data.pausedUntil)}` : ''}${text(data.reason) ? `: ${text(data.reason)}` : ''}`;
    case 'EnrolmentResumed':
      return 'Enrolment resumed';
    case 'PathwayChanged':
      return `Pathway changed from ${text(data.previousPathwayId)} v${num(data.previousPathwayVersion)} to ${text(data.pathwayId)} v${num(data.pathwayVersion)}${text(data.reason) ? `: ${text(data.reason)}` : ''}`;
    case 'CareTeamChanged':
      return `Care team changed from ${text(data.previousCareTeamId)} to ${text(data.careTeamId)}`;
    case 'PatientDischarged':
      return `Discharged from pathway ${text(data.pathwayId)} (${enumWord(data.reason, 'DISCHARGE_REASON_')})`;
    case 'TaskDue':
      return `Task due: ${text(data.title) || text(data.activity)} (until ${text(data.windowEnd)})`;
    case 'TaskCompleted':
      return `Task done: ${text(data.activity)}`;
    case 'TaskMissed':
      return `Task missed: ${text(data.activity)} (due ${text(data.dueAt)})`;
    case 'ContactRecorded':
      return `${enumWord(data.driver, 'CONTACT_DRIVER_')}-driven contact by ${enumWord(data.mode, 'CONTACT_MODE_')}, ${num(data.durationMinutes)} min`;
    case 'QuestionnaireResponseSubmitted': {
      const scores = list(data.scores).map((s) => `${coding(s.code)} ${num(s.value)}`);
      return `Questionnaire ${text(data.questionnaireUrl)}|${text(data.questionnaireVersion)} answered (${text(data.status) || 'completed'})${scores.length ? `: ${scores.join(', ')}` : ''}`;
    }
    case 'FormAssigned':
      return `Form ${text(data.questionnaireUrl)}|${text(data.questionnaireVersion)} assigned by ${text(data.assignedBy)}${data.dueAt ? `, due ${text(data.dueAt)}` : ''}`;
    case 'FormAssignmentExpired':
      return `Form ${text(data.questionnaireUrl)}|${text(data.questionnaireVersion)} expired unanswered`;
    case 'FormReminderDue':
      return `Reminder due for form ${text(data.questionnaireUrl)}|${text(data.questionnaireVersion)}`;
    case 'MeasurementRecorded': {
      const provenance = (data.provenance ?? {}) as EventData;
      return `Measurement ${coding(data.code)} ${num(data.value)} ${text(data.unit)} recorded (${text(provenance.method) || 'unknown method'})`;
    }
    case 'MeasurementCorrected':
      return `Measurement ${coding(data.code)} corrected from ${num(data.previousValue)} to ${num(data.value)} ${text(data.unit)}${text(data.reason) ? `: ${text(data.reason)}` : ''}`;
    case 'MeasurementEnteredInError':
      return `Measurement ${coding(data.code)} marked entered in error${text(data.reason) ? `: ${text(data.reason)}` : ''}`;
    case 'MeasurementWindowAggregated':
      return `Stream ${coding(data.code)} ${text(data.windowStart)}–${text(data.windowEnd)}: ${num(data.sampleCount)} samples, mean ${num(data.mean)} ${text(data.unit)}`;
    case 'PatientTriaged': {
      const provenance = (data.provenance ?? {}) as EventData;
      const reasons = list(data.reasons).map((r) => text(r.text));
      return `Triaged ${enumWord(data.colour, 'COLOUR_')}${data.revision ? ' (revision of a past point)' : ''} by rule set ${text(provenance.ruleSetId)} v${num(provenance.ruleSetVersion)}${reasons.length ? `: ${reasons.join('; ')}` : ': no rule matched'}`;
    }
    case 'AlertRaised':
      return `${enumWord(data.colour, 'COLOUR_')} alert raised${list(data.reasons).length ? `: ${(data.reasons as string[]).join('; ')}` : ''}`;
    case 'AlertAcknowledged':
      return `Alert acknowledged by ${text(data.acknowledgedBy)}`;
    case 'AlertEscalated':
      return `Alert escalated (level ${num(data.level)}) to ${text(data.target)}`;
    case 'AlertResolved':
      return `Alert resolved by ${text(data.resolvedBy)}: ${enumWord(data.outcome, 'ALERT_OUTCOME_')}`;
    case 'AlertAssigned':
      return `Alert assigned to ${text(data.assignee)} by ${text(data.assignedBy)}`;
    case 'RuleOverrideSet':
      return `Rule ${text(data.ruleId)}: the patient's own ${text(data.parameter)} set to ${num(data.value)} by ${text(data.setBy)} (overrides v${num(data.overridesVersion)})${text(data.reason) ? `: ${text(data.reason)}` : ''}`;
    case 'RuleOverrideRemoved':
      return `Rule ${text(data.ruleId)}: the patient's own value removed by ${text(data.removedBy)}, the rule set's applies again (overrides v${num(data.overridesVersion)})${text(data.reason) ? `: ${text(data.reason)}` : ''}`;
    case 'AccessLogged': {
      const actor = (data.actor ?? {}) as EventData;
      return `Data read by ${text(actor.role)} ${text(actor.subject)} for ${text(data.purpose)}: ${text(data.resource)}`;
    }
    case 'ConsentChanged':
      return `Consent ${text(data.consentId)} v${num(data.version)}: ${enumWord(data.provision, 'CONSENT_PROVISION_')} ${enumWord(data.state, 'CONSENT_STATE_')}`;
    default:
      return name;
  }
}

/** The event ids a triage decision was made from (its recorded inputs); empty for any other event. */
export function decisionInputs(event: Pick<TimelineEvent, 'type' | 'data'>): readonly string[] {
  if (event.type !== 'varde.triage.v1.PatientTriaged') return [];
  return list(((event.data.provenance ?? {}) as EventData).inputs).map((i) => text(i.eventId));
}
