import { colourToProto, integrationEventTypes, triageV1Events } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import type { AlertEvent, AlertOutcome } from '../domain/alert.events';
import type { TriageEvent } from '../domain/triage.events';
import { provenanceToProto, reasonToProto } from './triage-proto.mapping';

const PATIENT_TRIAGED = 'varde.triage.v1.PatientTriaged';
const ALERT_RAISED = 'varde.triage.v1.AlertRaised';
const ALERT_ACKNOWLEDGED = 'varde.triage.v1.AlertAcknowledged';
const ALERT_ESCALATED = 'varde.triage.v1.AlertEscalated';
const ALERT_RESOLVED = 'varde.triage.v1.AlertResolved';
const ALERT_ASSIGNED = 'varde.triage.v1.AlertAssigned';
const RULE_OVERRIDE_SET = 'varde.triage.v1.RuleOverrideSet';
const RULE_OVERRIDE_REMOVED = 'varde.triage.v1.RuleOverrideRemoved';

const outcomes: Readonly<Record<AlertOutcome, triageV1Events.AlertOutcome>> = {
  'contacted-patient': triageV1Events.AlertOutcome.ALERT_OUTCOME_CONTACTED_PATIENT,
  'changed-treatment': triageV1Events.AlertOutcome.ALERT_OUTCOME_CHANGED_TREATMENT,
  'booked-visit': triageV1Events.AlertOutcome.ALERT_OUTCOME_BOOKED_VISIT,
  'no-action': triageV1Events.AlertOutcome.ALERT_OUTCOME_NO_ACTION,
};

/**
 * Publishes PatientTriaged, the alert lifecycle (raised — also when a yellow alert turns red —, acknowledged,
 * assigned, escalated, resolved) and the patient's rule overrides (an input of every later decision, which names
 * their version): what an auditor needs on the patient's timeline (issue #22). Registrations and recorded and
 * withdrawn inputs (copies of other services' events, published by them), enrolment changes and missed tasks (the
 * same), and comments (free text read in triage's alert history) stay private to triage.
 */
export function triageIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  // Every type published here is listed in triageIntegrationMapping.eventTypes below: the relay reads no other.
  const e = event as RecordedEvent<TriageEvent | AlertEvent>;
  switch (e.type) {
    case 'PatientTriaged': {
      const d = e.data;
      return integrationMessageFor('triage', e, {
        type: PATIENT_TRIAGED,
        key: d.patientId,
        payload: integrationEventTypes[PATIENT_TRIAGED].encode({
          assessmentId: d.assessmentId,
          patientId: d.patientId,
          colour: colourToProto(d.colour),
          previousColour: colourToProto(d.previousColour),
          reasons: d.reasons.map(reasonToProto),
          provenance: provenanceToProto(d.provenance),
          assessedAt: new Date(d.assessedAt),
          effectiveTime: new Date(d.effectiveAt ?? d.assessedAt),
          revision: d.revision ?? false,
          current: d.current ?? true,
        }),
      });
    }
    case 'AlertRaised':
    case 'AlertSeverityRaised': {
      const d = e.data;
      return integrationMessageFor('triage', e, {
        type: ALERT_RAISED,
        key: d.patientId,
        payload: integrationEventTypes[ALERT_RAISED].encode({
          alertId: d.alertId,
          patientId: d.patientId,
          pathwayId: e.type === 'AlertRaised' ? e.data.pathwayId : '',
          colour: colourToProto(d.colour),
          reasons: [...d.reasons],
          assessmentId: d.assessmentId,
          raisedAt: new Date(d.raisedAt),
          acknowledgeBy: d.acknowledgeBy === null ? undefined : new Date(d.acknowledgeBy),
        }),
      });
    }
    case 'AlertAcknowledged':
      return integrationMessageFor('triage', e, {
        type: ALERT_ACKNOWLEDGED,
        key: e.data.patientId,
        payload: integrationEventTypes[ALERT_ACKNOWLEDGED].encode({ alertId: e.data.alertId, patientId: e.data.patientId, acknowledgedBy: e.metadata.actor.subject, acknowledgedAt: new Date(e.data.acknowledgedAt) }),
      });
    case 'AlertEscalated': {
      const d = e.data;
      return integrationMessageFor('triage', e, {
        type: ALERT_ESCALATED,
        key: d.patientId,
        payload: integrationEventTypes[ALERT_ESCALATED].encode({ alertId: d.alertId, patientId: d.patientId, level: d.level, target: d.target, escalatedAt: new Date(d.escalatedAt), acknowledgeBy: new Date(d.acknowledgeBy) }),
      });
    }
    case 'AlertResolved': {
      const d = e.data;
      return integrationMessageFor('triage', e, {
        type: ALERT_RESOLVED,
        key: d.patientId,
        payload: integrationEventTypes[ALERT_RESOLVED].encode({ alertId: d.alertId, patientId: d.patientId, outcome: outcomes[d.outcome], resolvedBy: e.metadata.actor.subject, resolvedAt: new Date(d.resolvedAt) }),
      });
    }
    case 'AlertAssigned':
      return integrationMessageFor('triage', e, {
        type: ALERT_ASSIGNED,
        key: e.data.patientId,
        payload: integrationEventTypes[ALERT_ASSIGNED].encode({ alertId: e.data.alertId, patientId: e.data.patientId, assignee: e.data.assignee, assignedBy: e.metadata.actor.subject, assignedAt: new Date(e.data.assignedAt) }),
      });
    case 'RuleOverrideSet': {
      const d = e.data;
      return integrationMessageFor('triage', e, {
        type: RULE_OVERRIDE_SET,
        key: d.patientId,
        payload: integrationEventTypes[RULE_OVERRIDE_SET].encode({
          patientId: d.patientId,
          ruleId: d.ruleId,
          parameter: d.parameter,
          value: d.value,
          reason: d.reason,
          setBy: d.setBy,
          setAt: new Date(d.setAt),
          overridesVersion: d.overridesVersion,
        }),
      });
    }
    case 'RuleOverrideRemoved': {
      const d = e.data;
      return integrationMessageFor('triage', e, {
        type: RULE_OVERRIDE_REMOVED,
        key: d.patientId,
        payload: integrationEventTypes[RULE_OVERRIDE_REMOVED].encode({ patientId: d.patientId, ruleId: d.ruleId, reason: d.reason, removedBy: d.removedBy, removedAt: new Date(d.removedAt), overridesVersion: d.overridesVersion }),
      });
    }
    case 'PatientRegisteredForTriage':
    case 'TriageInputRecorded':
    case 'TriageInputWithdrawn':
    case 'AlertCommented':
    case 'TriageEnrolmentChanged':
    case 'TriageTaskMissed':
      return undefined;
    default: {
      const _exhaustive: never = e;
      return undefined;
    }
  }
}

/** What the mapping can publish: the relay skips the rest (inputs, registrations, enrolment changes, missed tasks, comments) unread. */
triageIntegrationMapping.eventTypes = [
  'PatientTriaged',
  'AlertRaised',
  'AlertSeverityRaised',
  'AlertAcknowledged',
  'AlertAssigned',
  'AlertEscalated',
  'AlertResolved',
  'RuleOverrideSet',
  'RuleOverrideRemoved',
] as const;
