import type { DataCategory } from '@varde/auth';
import type { IntegrationEvent, PublicEvent, PublicEventType, PublicFeedDomain, publicCommonV1, publicTriageV1 } from '@varde/contracts';

/** A public event ready for one trust: its type and message. */
export type PublicFeedEvent = { [K in PublicEventType]: Readonly<{ type: K; message: PublicEvent<K> }> }[PublicEventType];

/** The access-policy category a consent must cover for a domain of the feed to reach a trust. */
export const FEED_CATEGORY: Readonly<Record<PublicFeedDomain, DataCategory>> = {
  pathways: 'enrolments',
  measurements: 'measurements',
  triage: 'triage',
  forms: 'forms',
};

const patient = (patientId: string): publicCommonV1.Patient => ({ patientId, nationalId: '' });
const coding = (c: { system: string; code: string; display: string } | undefined) => (c ? { system: c.system, code: c.code, display: c.display } : undefined);

/** The internal events the feed carries, by fully qualified type. */
export type FeedSourceType =
  | 'varde.pathways.v1.PatientEnrolled'
  | 'varde.pathways.v1.PatientDischarged'
  | 'varde.measurements.v1.MeasurementRecorded'
  | 'varde.measurements.v1.MeasurementCorrected'
  | 'varde.measurements.v1.MeasurementEnteredInError'
  | 'varde.triage.v1.PatientTriaged'
  | 'varde.forms.v1.QuestionnaireResponseSubmitted';

/**
 * What another trust is told of an internal event: only the fields of the public contract (no actors, care teams,
 * devices, item answers or rule internals), the patient by Varde's pseudonymous id. Undefined: nothing to tell
 * (a response without scores).
 */
export function publicEventOf<K extends FeedSourceType>(type: K, event: IntegrationEvent<K>): PublicFeedEvent | undefined {
  const e = event as IntegrationEvent<FeedSourceType>;
  switch (type as FeedSourceType) {
    case 'varde.pathways.v1.PatientEnrolled': {
      const x = e as IntegrationEvent<'varde.pathways.v1.PatientEnrolled'>;
      return { type: 'varde.public.pathways.v1.PatientEnrolled', message: { patient: patient(x.patientId), enrolmentId: x.enrolmentId, pathwayId: x.pathwayId, pathwayVersion: x.pathwayVersion, enrolledAt: x.enrolledAt } };
    }
    case 'varde.pathways.v1.PatientDischarged': {
      const x = e as IntegrationEvent<'varde.pathways.v1.PatientDischarged'>;
      return { type: 'varde.public.pathways.v1.PatientDischarged', message: { patient: patient(x.patientId), enrolmentId: x.enrolmentId, pathwayId: x.pathwayId, dischargedAt: x.dischargedAt } };
    }
    case 'varde.measurements.v1.MeasurementRecorded': {
      const x = e as IntegrationEvent<'varde.measurements.v1.MeasurementRecorded'>;
      return {
        type: 'varde.public.measurements.v1.MeasurementRecorded',
        message: {
          patient: patient(x.patientId),
          measurementId: x.measurementId,
          code: coding(x.code),
          value: x.value,
          unit: x.unit,
          effectiveTime: x.effectiveTime,
          components: x.components.map((c) => ({ code: coding(c.code), value: c.value, unit: c.unit })),
        },
      };
    }
    case 'varde.measurements.v1.MeasurementCorrected': {
      const x = e as IntegrationEvent<'varde.measurements.v1.MeasurementCorrected'>;
      return { type: 'varde.public.measurements.v1.MeasurementCorrected', message: { patient: patient(x.patientId), measurementId: x.measurementId, value: x.value, unit: x.unit, correctedTime: x.correctedTime } };
    }
    case 'varde.measurements.v1.MeasurementEnteredInError': {
      const x = e as IntegrationEvent<'varde.measurements.v1.MeasurementEnteredInError'>;
      return { type: 'varde.public.measurements.v1.MeasurementEnteredInError', message: { patient: patient(x.patientId), measurementId: x.measurementId, correctedTime: x.correctedTime } };
    }
    case 'varde.triage.v1.PatientTriaged': {
      const x = e as IntegrationEvent<'varde.triage.v1.PatientTriaged'>;
      // The public Colour has the same numbers and meaning as the internal one.
      return {
        type: 'varde.public.triage.v1.PatientTriaged',
        message: { patient: patient(x.patientId), assessmentId: x.assessmentId, colour: x.colour as number as publicTriageV1.Colour, previousColour: x.previousColour as number as publicTriageV1.Colour, reasons: x.reasons.map((r) => r.text), assessedAt: x.assessedAt },
      };
    }
    case 'varde.forms.v1.QuestionnaireResponseSubmitted': {
      const x = e as IntegrationEvent<'varde.forms.v1.QuestionnaireResponseSubmitted'>;
      if (x.scores.length === 0) return undefined;
      return {
        type: 'varde.public.forms.v1.QuestionnaireScored',
        message: { patient: patient(x.patientId), responseId: x.responseId, questionnaireUrl: x.questionnaireUrl, questionnaireVersion: x.questionnaireVersion, authoredAt: x.authoredAt, scores: x.scores.map((s) => ({ code: coding(s.code), value: s.value })), status: x.status },
      };
    }
    default: {
      const _exhaustive: never = type as never;
      return _exhaustive;
    }
  }
}

/** The event as one trust receives it: with the national id when the consent allows it, otherwise without. */
export function forReceiver(event: PublicFeedEvent, nationalId: string | undefined): PublicFeedEvent {
  const message = event.message as { patient?: publicCommonV1.Patient };
  return { ...event, message: { ...message, patient: { patientId: message.patient?.patientId ?? '', nationalId: nationalId ?? '' } } } as PublicFeedEvent;
}
