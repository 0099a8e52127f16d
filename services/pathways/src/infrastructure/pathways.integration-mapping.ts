import { actorToProto, integrationEventTypes } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import { careTeamOf, type EnrolmentEvent } from '../domain/enrolment.events';

const PATIENT_ENROLLED = 'varde.pathways.v1.PatientEnrolled';

/** Publishes PatientEnrolled; everything else in the pathways log stays private. */
export function pathwaysIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  const e = event as RecordedEvent<EnrolmentEvent>;
  switch (e.type) {
    case 'PatientEnrolled':
      return integrationMessageFor('pathways', e, {
        type: PATIENT_ENROLLED,
        key: e.data.patientId,
        payload: integrationEventTypes[PATIENT_ENROLLED].encode({
          ...e.data,
          enrolledAt: new Date(e.data.enrolledAt),
          enrolledBy: actorToProto(e.metadata.actor),
          careTeamId: careTeamOf(e.data),
        }),
      });
    default:
      return undefined;
  }
}
