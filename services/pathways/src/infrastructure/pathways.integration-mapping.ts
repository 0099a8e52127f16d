import { actorToProto, integrationEventTypes, pathwaysV1Events, type IntegrationEventType } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import { careTeamOf, type DischargeReason, type EnrolmentEvent } from '../domain/enrolment.events';

const DISCHARGE_REASON: Record<DischargeReason, pathwaysV1Events.DischargeReason> = {
  completed: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_COMPLETED,
  readmitted: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_READMITTED,
  'transferred-to-municipality': pathwaysV1Events.DischargeReason.DISCHARGE_REASON_TRANSFERRED_TO_MUNICIPALITY,
  deceased: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_DECEASED,
  withdrew: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_WITHDREW,
};

/** Publishes the enrolment's course (enrolled, paused, resumed, pathway and care team changed, discharged), keyed by patient. */
export function pathwaysIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  const e = event as RecordedEvent<EnrolmentEvent>;
  const actor = actorToProto(e.metadata.actor);
  const message = <K extends IntegrationEventType>(type: K, payload: Parameters<(typeof integrationEventTypes)[K]['encode']>[0]): IntegrationMessage =>
    integrationMessageFor('pathways', e, { type, key: e.data.patientId, payload: (integrationEventTypes[type].encode as (m: typeof payload) => Uint8Array)(payload) });
  switch (e.type) {
    case 'PatientEnrolled':
      return message('varde.pathways.v1.PatientEnrolled', {
        ...e.data,
        enrolledAt: new Date(e.data.enrolledAt),
        enrolledBy: actor,
        careTeamId: careTeamOf(e.data),
        admission: e.data.admission ?? 1,
      });
    case 'EnrolmentPaused':
      return message('varde.pathways.v1.EnrolmentPaused', {
        patientId: e.data.patientId,
        enrolmentId: e.data.enrolmentId,
        reason: e.data.reason,
        pausedAt: new Date(e.data.pausedAt),
        pausedUntil: e.data.until ? new Date(e.data.until) : undefined,
        pausedBy: actor,
      });
    case 'EnrolmentResumed':
      return message('varde.pathways.v1.EnrolmentResumed', { patientId: e.data.patientId, enrolmentId: e.data.enrolmentId, resumedAt: new Date(e.data.resumedAt), resumedBy: actor });
    case 'PathwayChanged':
      return message('varde.pathways.v1.PathwayChanged', { ...e.data, reason: e.data.reason ?? '', changedAt: new Date(e.data.changedAt), changedBy: actor });
    case 'CareTeamChanged':
      return message('varde.pathways.v1.CareTeamChanged', { ...e.data, changedAt: new Date(e.data.changedAt), changedBy: actor });
    case 'PatientDischarged':
      return message('varde.pathways.v1.PatientDischarged', { ...e.data, reason: DISCHARGE_REASON[e.data.reason], dischargedAt: new Date(e.data.dischargedAt), dischargedBy: actor });
    default:
      return undefined;
  }
}
