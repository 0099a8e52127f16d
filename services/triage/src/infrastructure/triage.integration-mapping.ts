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

const outcomes: Readonly<Record<AlertOutcome, triageV1Events.AlertOutcome>> = {
  'contacted-patient': triageV1Events.AlertOutcome.ALERT_OUTCOME_CONTACTED_PATIENT,
  'changed-treatment': triageV1Events.AlertOutcome.ALERT_OUTCOME_CHANGED_TREATMENT,
  'booked-visit': triageV1Events.AlertOutcome.ALERT_OUTCOME_BOOKED_VISIT,
  'no-action': triageV1Events.AlertOutcome.ALERT_OUTCOME_NO_ACTION,
};

/**
 * Publishes PatientTriaged and the alert lifecycle (raised — also when a yellow alert turns red —,
 * acknowledged, escalated, resolved). Registrations, recorded and withdrawn inputs, rule overrides, assignments and
 * comments (free text that may hold health details) stay private to triage.
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
    case 'PatientRegisteredForTriage':
    case 'TriageInputRecorded':
    case 'TriageInputWithdrawn':
    case 'RuleOverrideSet':
    case 'RuleOverrideRemoved':
    case 'AlertAssigned':
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

/** What the mapping can publish: the relay skips the rest (inputs, registrations, overrides, assignments, comments) unread. */
triageIntegrationMapping.eventTypes = ['PatientTriaged', 'AlertRaised', 'AlertSeverityRaised', 'AlertAcknowledged', 'AlertEscalated', 'AlertResolved'] as const;
