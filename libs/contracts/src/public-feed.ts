import * as publicFormsV1 from './generated/varde/public/forms/v1/events';
import * as publicMeasurementsV1 from './generated/varde/public/measurements/v1/events';
import * as publicPathwaysV1 from './generated/varde/public/pathways/v1/events';
import * as publicTriageV1 from './generated/varde/public/triage/v1/events';
import { protobufCodec as codec, type IntegrationEventCodec } from './integration-event-types';

/**
 * The public event feed for other health trusts (ADR 0020, docs/api/public-feed.md): each trust reads its own topics
 * `varde.public.<organisation number>.<domain>.v1`, carrying the events of `proto/varde/public/<domain>/v1`.
 */
export const PUBLIC_FEED_DOMAINS = ['pathways', 'measurements', 'triage', 'forms'] as const;

/** One domain of the public feed: the proto package `varde.public.<domain>.v1` and one topic per trust. */
export type PublicFeedDomain = (typeof PUBLIC_FEED_DOMAINS)[number];

const organisationNumber = /^\d{9}$/;

/** The prefix of every topic and consumer group of one trust: what its ACLs grant (prefixed resource pattern). */
export function publicFeedPrefix(trust: string): string {
  if (!organisationNumber.test(trust)) throw new Error(`trust: expected a 9-digit organisation number, got "${trust}"`);
  return `varde.public.${trust}.`;
}

/** The topic a trust reads one domain's public events from, e.g. `varde.public.983974899.measurements.v1`. */
export function publicFeedTopic(trust: string, domain: PublicFeedDomain): string {
  return `${publicFeedPrefix(trust)}${domain}.v1`;
}

/** Codec of every public event, keyed by fully qualified proto name (the CloudEvents `ce_type` on the feed). */
export const publicEventTypes = {
  'varde.public.pathways.v1.PatientEnrolled': codec(publicPathwaysV1.PatientEnrolled),
  'varde.public.pathways.v1.PatientDischarged': codec(publicPathwaysV1.PatientDischarged),
  'varde.public.measurements.v1.MeasurementRecorded': codec(publicMeasurementsV1.MeasurementRecorded),
  'varde.public.measurements.v1.MeasurementCorrected': codec(publicMeasurementsV1.MeasurementCorrected),
  'varde.public.measurements.v1.MeasurementEnteredInError': codec(publicMeasurementsV1.MeasurementEnteredInError),
  'varde.public.triage.v1.PatientTriaged': codec(publicTriageV1.PatientTriaged),
  'varde.public.forms.v1.QuestionnaireScored': codec(publicFormsV1.QuestionnaireScored),
} as const;

/** Fully qualified proto name of a public event, e.g. `varde.public.measurements.v1.MeasurementRecorded`. */
export type PublicEventType = keyof typeof publicEventTypes;

/** Message type of a public event. */
export type PublicEvent<K extends PublicEventType> = (typeof publicEventTypes)[K] extends IntegrationEventCodec<infer T> ? T : never;

/** The domain a public event belongs to: the `<domain>` of `varde.public.<domain>.v1`. */
export function publicEventDomain(type: PublicEventType): PublicFeedDomain {
  return type.split('.')[2] as PublicFeedDomain;
}
