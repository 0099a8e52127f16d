import * as formsV1Events from './generated/varde/forms/v1/events';
import * as measurementsV1Events from './generated/varde/measurements/v1/events';
import * as pathwaysV1Events from './generated/varde/pathways/v1/events';
import * as sharingV1Events from './generated/varde/sharing/v1/events';
import * as triageV1Events from './generated/varde/triage/v1/events';

/** Binary protobuf codec of one integration event type, as carried in a Kafka message value. */
export interface IntegrationEventCodec<T> {
  // Method syntax (bivariant) so any codec can be handled as IntegrationEventCodec<unknown> when the type is
  // only known at run time, e.g. from a ce_type header.
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** What ts-proto generates for each message: binary encode and decode. */
export interface GeneratedMessageFns<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/** The binary codec of a ts-proto generated message (its `encode`/`decode`). */
export function protobufCodec<T>(fns: GeneratedMessageFns<T>): IntegrationEventCodec<T> {
  return { encode: (message) => fns.encode(message).finish(), decode: (bytes) => fns.decode(bytes) };
}

/** Codec of every integration event, keyed by fully qualified proto name (the CloudEvents `ce_type`). */
export const integrationEventTypes = {
  'varde.pathways.v1.PatientEnrolled': protobufCodec(pathwaysV1Events.PatientEnrolled),
  'varde.pathways.v1.EnrolmentPaused': protobufCodec(pathwaysV1Events.EnrolmentPaused),
  'varde.pathways.v1.EnrolmentResumed': protobufCodec(pathwaysV1Events.EnrolmentResumed),
  'varde.pathways.v1.PathwayChanged': protobufCodec(pathwaysV1Events.PathwayChanged),
  'varde.pathways.v1.CareTeamChanged': protobufCodec(pathwaysV1Events.CareTeamChanged),
  'varde.pathways.v1.PatientDischarged': protobufCodec(pathwaysV1Events.PatientDischarged),
  'varde.pathways.v1.TaskDue': protobufCodec(pathwaysV1Events.TaskDue),
  'varde.pathways.v1.TaskCompleted': protobufCodec(pathwaysV1Events.TaskCompleted),
  'varde.pathways.v1.TaskMissed': protobufCodec(pathwaysV1Events.TaskMissed),
  'varde.pathways.v1.ContactRecorded': protobufCodec(pathwaysV1Events.ContactRecorded),
  'varde.pathways.v1.PathwayPublished': protobufCodec(pathwaysV1Events.PathwayPublished),
  'varde.forms.v1.QuestionnaireResponseSubmitted': protobufCodec(formsV1Events.QuestionnaireResponseSubmitted),
  'varde.forms.v1.FormAssigned': protobufCodec(formsV1Events.FormAssigned),
  'varde.forms.v1.FormAssignmentExpired': protobufCodec(formsV1Events.FormAssignmentExpired),
  'varde.forms.v1.FormReminderDue': protobufCodec(formsV1Events.FormReminderDue),
  'varde.measurements.v1.MeasurementRecorded': protobufCodec(measurementsV1Events.MeasurementRecorded),
  'varde.measurements.v1.MeasurementCorrected': protobufCodec(measurementsV1Events.MeasurementCorrected),
  'varde.measurements.v1.MeasurementEnteredInError': protobufCodec(measurementsV1Events.MeasurementEnteredInError),
  'varde.measurements.v1.MeasurementWindowAggregated': protobufCodec(measurementsV1Events.MeasurementWindowAggregated),
  'varde.triage.v1.PatientTriaged': protobufCodec(triageV1Events.PatientTriaged),
  'varde.triage.v1.AlertRaised': protobufCodec(triageV1Events.AlertRaised),
  'varde.triage.v1.AlertAcknowledged': protobufCodec(triageV1Events.AlertAcknowledged),
  'varde.triage.v1.AlertEscalated': protobufCodec(triageV1Events.AlertEscalated),
  'varde.triage.v1.AlertResolved': protobufCodec(triageV1Events.AlertResolved),
  'varde.triage.v1.AlertAssigned': protobufCodec(triageV1Events.AlertAssigned),
  'varde.triage.v1.RuleOverrideSet': protobufCodec(triageV1Events.RuleOverrideSet),
  'varde.triage.v1.RuleOverrideRemoved': protobufCodec(triageV1Events.RuleOverrideRemoved),
  'varde.sharing.v1.AccessLogged': protobufCodec(sharingV1Events.AccessLogged),
  'varde.sharing.v1.ConsentChanged': protobufCodec(sharingV1Events.ConsentChanged),
} as const;

/** Fully qualified proto name of an integration event, e.g. `varde.pathways.v1.PatientEnrolled`. */
export type IntegrationEventType = keyof typeof integrationEventTypes;

/** Message type of an integration event, e.g. `IntegrationEvent<'varde.pathways.v1.PatientEnrolled'>`. */
export type IntegrationEvent<K extends IntegrationEventType> =
  (typeof integrationEventTypes)[K] extends IntegrationEventCodec<infer T> ? T : never;

/** Whether `type` (e.g. a received `ce_type` header) names a known integration event. */
export function isIntegrationEventType(type: string): type is IntegrationEventType {
  return Object.hasOwn(integrationEventTypes, type);
}

/** Kafka topic an integration event is published on: its proto package, e.g. `varde.pathways.v1`. */
export function integrationEventTopic(type: IntegrationEventType): string {
  return type.slice(0, type.lastIndexOf('.'));
}
