import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { Colour } from './generated/varde/common/v1/common';
import * as pathwaysV1Events from './generated/varde/pathways/v1/events';
import { grpcLoaderOptions, grpcServices } from './grpc-options';
import {
  type IntegrationEvent,
  type IntegrationEventCodec,
  type IntegrationEventType,
  integrationEventTopic,
  integrationEventTypes,
  isIntegrationEventType,
} from './integration-event-types';
import { protoRoot } from './proto-paths';
import { publicEventDomain, publicEventTypes, publicFeedTopic } from './public-feed';

const actor = { subject: 'sub-123', role: 'clinician', organisation: 'trust-a', onBehalfOf: '', hprNumber: '' };
const heartRate = { system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' };
// Millisecond precision on purpose: it is what a Date carries and must survive the wire.
const at = (iso: string): Date => new Date(iso);

// The mapped type makes a new registry entry without a sample a compile error, too.
const samples: { [K in IntegrationEventType]: IntegrationEvent<K> } = {
  'varde.pathways.v1.PatientEnrolled': {
    patientId: 'patient-1', enrolmentId: 'enrolment-1', pathwayId: 'heart-failure', pathwayVersion: 3,
    ruleSetId: 'hf-rules', ruleSetVersion: 7, enrolledAt: at('2025-03-01T08:15:30.123Z'), enrolledBy: actor, careTeamId: 'hf-team-ous', admission: 2,
    questionnaires: ['https://varde.no/fhir/Questionnaire/hf-symptoms|1'],
  },
  'varde.pathways.v1.EnrolmentPaused': {
    patientId: 'patient-1', enrolmentId: 'enrolment-1', reason: 'admitted to hospital', pausedAt: at('2025-03-04T10:00:00.000Z'),
    pausedUntil: at('2025-03-11T00:00:00.000Z'), pausedBy: actor,
  },
  'varde.pathways.v1.EnrolmentResumed': { patientId: 'patient-1', enrolmentId: 'enrolment-1', resumedAt: at('2025-03-09T10:00:00.000Z'), resumedBy: actor },
  'varde.pathways.v1.PathwayChanged': {
    patientId: 'patient-1', enrolmentId: 'enrolment-1', previousPathwayId: 'copd', previousPathwayVersion: 1, pathwayId: 'heart-failure',
    pathwayVersion: 2, ruleSetId: 'heart-failure-default', ruleSetVersion: 0, changedAt: at('2025-03-10T10:00:00.000Z'), reason: 'diagnosis revised', changedBy: actor,
    questionnaires: ['https://varde.no/fhir/Questionnaire/hf-symptoms|1'],
  },
  'varde.pathways.v1.CareTeamChanged': {
    patientId: 'patient-1', enrolmentId: 'enrolment-1', previousCareTeamId: 'copd-care-team', careTeamId: 'hf-team-ous',
    changedAt: at('2025-03-10T10:00:00.000Z'), changedBy: actor,
  },
  'varde.pathways.v1.PatientDischarged': {
    patientId: 'patient-1', enrolmentId: 'enrolment-1', reason: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_TRANSFERRED_TO_MUNICIPALITY,
    dischargedAt: at('2025-04-01T10:00:00.000Z'), pathwayId: 'heart-failure', careTeamId: 'hf-team-ous', dischargedBy: actor,
  },
  'varde.pathways.v1.TaskDue': {
    patientId: 'patient-1', taskId: 'task-1', enrolmentId: 'enrolment-1', pathwayId: 'heart-failure', pathwayVersion: 1, activity: 'https://varde.no/fhir/ActivityDefinition/hf-weight|1',
    kind: pathwaysV1Events.TaskKind.TASK_KIND_MEASUREMENT, loincCode: '29463-7', questionnaire: '', dueAt: at('2027-03-28T05:00:00.000Z'), windowEnd: at('2027-03-28T10:00:00.000Z'), title: 'Weigh yourself',
  },
  'varde.pathways.v1.TaskCompleted': { patientId: 'patient-1', taskId: 'task-1', completedAt: at('2027-03-28T05:10:00.000Z'), inputEventId: 'measurement-event-1', activity: 'https://varde.no/fhir/ActivityDefinition/hf-weight|1' },
  'varde.pathways.v1.ContactRecorded': {
    patientId: 'patient-1', contactId: 'contact-1', enrolmentId: 'enrolment-1', pathwayId: 'copd', careTeamId: 'copd-care-team', driver: pathwaysV1Events.ContactDriver.CONTACT_DRIVER_NEED,
    mode: pathwaysV1Events.ContactMode.CONTACT_MODE_VIDEO, startedAt: at('2027-03-28T09:40:00.000Z'), durationMinutes: 20, alertId: 'alert-1', taskId: '', patientRequest: false, recordedBy: actor,
  },
  'varde.pathways.v1.PathwayPublished': {
    pathwayId: 'heart-failure', url: 'https://varde.no/fhir/PlanDefinition/heart-failure', pathwayVersion: 2, contentHash: 'sha256:0f1e',
    questionnairesJson: ['{"resourceType":"Questionnaire","url":"https://varde.no/fhir/Questionnaire/hf-symptoms","version":"1"}'], publishedAt: at('2025-02-20T12:00:00.000Z'), publishedBy: actor,
    title: 'Hjertesvikt', selfCarePlan: [{ colour: Colour.COLOUR_RED, textNb: 'Ring sykehuset.', textEn: 'Call the hospital.' }],
  },
  'varde.pathways.v1.TaskMissed': {
    patientId: 'patient-1', taskId: 'task-2', activity: 'https://varde.no/fhir/ActivityDefinition/hf-symptoms|1', kind: pathwaysV1Events.TaskKind.TASK_KIND_QUESTIONNAIRE, loincCode: '',
    questionnaire: 'https://varde.no/fhir/Questionnaire/hf-symptoms|1', dueAt: at('2027-03-25T07:00:00.000Z'), windowEnd: at('2027-03-27T07:00:00.000Z'),
  },
  'varde.forms.v1.QuestionnaireResponseSubmitted': {
    responseId: 'response-1', patientId: 'patient-1', questionnaireUrl: 'https://varde.example/q/kccq-12',
    questionnaireVersion: '1.0.0', authoredAt: at('2025-03-02T19:00:00.001Z'), recordedAt: at('2025-03-02T19:00:02.500Z'),
    scores: [{ code: { system: 'https://varde.example/scores', code: 'kccq-12-summary', display: 'KCCQ-12 summary' }, value: 62.5 }],
    answers: [{ linkId: 'q1', value: 3 }, { linkId: 'q2', value: 0 }], status: 'completed', author: 'RelatedPerson/guardian-1',
    observations: [{ observationId: 'observation-1', code: { system: 'https://varde.example/scores', code: 'kccq-12-summary', display: 'KCCQ-12 summary' }, value: 62.5, fhirJson: '{"resourceType":"Observation"}' }],
  },
  'varde.forms.v1.FormAssigned': {
    assignmentId: 'assignment-1', patientId: 'patient-1', questionnaireUrl: 'https://varde.example/q/kccq-12',
    questionnaireVersion: '1.0.0', assignedAt: at('2025-03-01T09:00:00.000Z'), dueAt: at('2025-03-02T09:00:00.000Z'), expiresAt: at('2025-03-03T09:00:00.000Z'), assignedBy: 'clinician',
  },
  'varde.forms.v1.FormAssignmentExpired': {
    assignmentId: 'assignment-1', patientId: 'patient-1', questionnaireUrl: 'https://varde.example/q/kccq-12', questionnaireVersion: '1.0.0', expiredAt: at('2025-03-03T09:00:00.000Z'),
  },
  'varde.forms.v1.FormReminderDue': {
    assignmentId: 'assignment-1', patientId: 'patient-1', questionnaireUrl: 'https://varde.example/q/kccq-12', questionnaireVersion: '1.0.0', remindAt: at('2025-03-02T08:00:00.000Z'), dueAt: at('2025-03-02T09:00:00.000Z'),
  },
  'varde.measurements.v1.MeasurementRecorded': {
    measurementId: 'measurement-1', patientId: 'patient-1', code: { system: 'http://loinc.org', code: '29463-7', display: 'Body weight' },
    value: 81.2, unit: 'kg', originalValue: 179.0, originalUnit: '[lb_av]', effectiveTime: at('2025-03-03T06:45:00.250Z'),
    receivedTime: at('2025-03-03T06:45:03.999Z'), provenance: {
      method: 'device', deviceId: 'scale-42', organisation: 'trust-a', deviceIdentifier: 'urn:oid:2.16.578.1|scale-42', deviceModel: 'WS-50',
      deviceSerial: 'SN-0042', deviceManufacturer: 'Acme Medical', gatewayId: 'gateway-7', enteredByRole: 'system',
    },
    flags: [], components: [],
  },
  'varde.measurements.v1.MeasurementCorrected': {
    measurementId: 'measurement-1', patientId: 'patient-1', code: { system: 'http://loinc.org', code: '29463-7', display: 'Body weight' },
    value: 80.2, unit: 'kg', previousValue: 81.2, effectiveTime: at('2025-03-03T06:45:00.250Z'), correctedTime: at('2025-03-03T09:00:00.001Z'),
    reason: 'typed 81.2 instead of 80.2', actor,
  },
  'varde.measurements.v1.MeasurementEnteredInError': {
    measurementId: 'measurement-1', patientId: 'patient-1', code: { system: 'http://loinc.org', code: '29463-7', display: 'Body weight' },
    effectiveTime: at('2025-03-03T06:45:00.250Z'), correctedTime: at('2025-03-03T09:00:00.001Z'), reason: 'another person stood on the scale', actor,
  },
  'varde.measurements.v1.MeasurementWindowAggregated': {
    patientId: 'patient-1', code: { system: 'http://loinc.org', code: '59408-5', display: 'Oxygen saturation' }, unit: '%',
    windowStart: at('2025-03-03T02:00:00.000Z'), windowEnd: at('2025-03-03T02:05:00.000Z'), revision: 1, sampleCount: 298, gapCount: 2,
    min: 86, max: 97, mean: 93.25, coveredMs: 300000, hasThreshold: true, threshold: 90, timeBelowThresholdMs: 12000, chunkIds: ['chunk-1', 'chunk-2'],
  },
  'varde.triage.v1.PatientTriaged': {
    assessmentId: 'assessment-1', patientId: 'patient-1', colour: Colour.COLOUR_RED, previousColour: Colour.COLOUR_GREEN,
    reasons: [{
      ruleId: 'hr-high', text: 'Heart rate 131 /min is above 120 /min', code: heartRate, value: 131, unit: '/min',
      threshold: 120, inputEventId: 'event-9', effectiveTime: at('2025-03-03T06:40:00.000Z'), kind: 'threshold',
      inputs: [{ eventId: 'event-9', value: 131, unit: '/min', effectiveTime: at('2025-03-03T06:40:00.000Z') }],
    }],
    provenance: {
      inputs: [{ eventId: 'event-9', source: 'varde.measurements.v1', position: 2 ** 40 + 7 }],
      ruleSetId: 'hf-rules', ruleSetVersion: 7, ruleSetHash: 'sha256:abc123', engineVersion: '1.4.0', overridesVersion: 2,
    },
    assessedAt: at('2025-03-03T06:45:04.010Z'), effectiveTime: at('2025-03-03T06:40:00.000Z'), revision: false, current: true,
  },
  'varde.triage.v1.AlertRaised': {
    alertId: 'alert-1', patientId: 'patient-1', pathwayId: 'heart-failure', colour: Colour.COLOUR_RED, reasons: ['Heart rate 131 /min is above 120 /min'],
    assessmentId: 'assessment-1', raisedAt: at('2025-03-03T06:45:04.010Z'), acknowledgeBy: at('2025-03-03T07:15:04.010Z'),
  },
  'varde.triage.v1.AlertAcknowledged': { alertId: 'alert-1', patientId: 'patient-1', acknowledgedBy: 'sub-123', acknowledgedAt: at('2025-03-03T06:50:00.000Z') },
  'varde.triage.v1.AlertEscalated': {
    alertId: 'alert-1', patientId: 'patient-1', level: 2, target: 'on-call', escalatedAt: at('2025-03-03T07:15:04.010Z'), acknowledgeBy: at('2025-03-03T07:45:04.010Z'),
  },
  'varde.triage.v1.AlertResolved': { alertId: 'alert-1', patientId: 'patient-1', outcome: 3, resolvedBy: 'sub-123', resolvedAt: at('2025-03-03T08:00:00.000Z') },
  'varde.triage.v1.AlertAssigned': { alertId: 'alert-1', patientId: 'patient-1', assignee: 'sub-456', assignedBy: 'sub-123', assignedAt: at('2025-03-03T06:55:00.000Z') },
  'varde.triage.v1.RuleOverrideSet': {
    patientId: 'patient-1', ruleId: 'spo2-red', parameter: 'threshold', value: 88.5, reason: 'known COPD, habitual SpO2 89 %', setBy: 'sub-123',
    setAt: at('2025-03-03T08:10:00.000Z'), overridesVersion: 3,
  },
  'varde.triage.v1.RuleOverrideRemoved': { patientId: 'patient-1', ruleId: 'spo2-red', reason: 'recovered', removedBy: 'sub-123', removedAt: at('2025-03-10T08:10:00.000Z'), overridesVersion: 4 },
  'varde.sharing.v1.AccessLogged': {
    entryId: 'entry-1', patientId: 'patient-1', actor, purpose: 'treatment', resource: 'Observation?patient=patient-1',
    accessedAt: at('2025-03-03T07:00:00.000Z'), reason: 'emergency access (outside the care team): acute dyspnoea', emergencyAccessId: 'grant-1',
  },
  'varde.sharing.v1.ConsentChanged': {
    consentId: 'consent-1', patientId: 'patient-1', version: 2, state: 1, provision: 2,
    parties: [{ kind: 4, system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9144889', display: 'Lege Blokkert' }],
    categories: ['measurements'], includeNationalId: false, periodStart: at('2025-03-01T00:00:00.000Z'), periodEnd: at('2026-03-01T00:00:00.000Z'),
    changedBy: actor, changedAt: at('2025-03-03T07:00:00.000Z'),
  },
};

function loadProtoRoot(files: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  // protobufjs serves google/protobuf/*.proto from its bundled copies whatever this returns.
  root.resolvePath = (_origin, target) => join(protoRoot, target);
  return root.loadSync([...files], { keepCase: false });
}

const eventFiles = readdirSync(protoRoot, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('events.proto'))
  .map((file) => file.split('\\').join('/'));
const protoFileRoot = loadProtoRoot(eventFiles);

/** Integration events are the top-level messages of an events.proto that no other message there uses. */
function eventMessagesIn(file: string): string[] {
  const types = protoFileRoot.nestedArray
    .flatMap(function collect(obj: protobuf.ReflectionObject): protobuf.ReflectionObject[] {
      return obj instanceof protobuf.Namespace && !(obj instanceof protobuf.Type) ? obj.nestedArray.flatMap(collect) : [obj];
    })
    .filter((obj): obj is protobuf.Type => obj instanceof protobuf.Type && obj.filename === join(protoRoot, file));
  const usedAsField = new Set(types.flatMap((type) => type.fieldsArray.map((field) => field.resolve().resolvedType?.fullName)));
  return types.filter((type) => !usedAsField.has(type.fullName)).map((type) => type.fullName.slice(1));
}

describe('integration event registry', () => {
  it('has a codec for every integration event in every events.proto, and nothing else', () => {
    const declared = eventFiles.flatMap(eventMessagesIn).filter((type) => !type.startsWith('varde.public.')).sort();
    expect(declared.length).toBeGreaterThan(0);
    expect(Object.keys(integrationEventTypes).sort()).toEqual(declared);
  });

  it('has a codec for every public feed event in proto/varde/public, and nothing else', () => {
    const declared = eventFiles.flatMap(eventMessagesIn).filter((type) => type.startsWith('varde.public.')).sort();
    expect(declared.length).toBeGreaterThan(0);
    expect(Object.keys(publicEventTypes).sort()).toEqual(declared);
    expect(publicEventDomain('varde.public.triage.v1.PatientTriaged')).toBe('triage');
  });

  it('tells known event types from unknown ce_type headers', () => {
    expect(isIntegrationEventType('varde.triage.v1.PatientTriaged')).toBe(true);
    expect(isIntegrationEventType('varde.triage.v1.Reason')).toBe(false);
    expect(isIntegrationEventType('toString')).toBe(false);
  });

  it('names a trust’s public topic with its organisation number, and refuses anything else as a trust', () => {
    expect(publicFeedTopic('983974899', 'measurements')).toBe('varde.public.983974899.measurements.v1');
    expect(() => publicFeedTopic('98397489', 'measurements')).toThrow('trust: expected a 9-digit organisation number');
    expect(() => publicFeedTopic('*', 'measurements')).toThrow('trust');
  });

  it('names the topic after the event package', () => {
    expect(integrationEventTopic('varde.measurements.v1.MeasurementRecorded')).toBe('varde.measurements.v1');
  });
});

describe.each(Object.keys(samples) as IntegrationEventType[])('%s', (type) => {
  const codec: IntegrationEventCodec<unknown> = integrationEventTypes[type];
  const sample = samples[type];

  it('survives an encode/decode round trip, timestamps to the millisecond', () => {
    expect(codec.decode(codec.encode(sample))).toEqual(sample);
  });

  it('encodes bytes that a reader of the .proto files decodes to the same event', () => {
    // A consumer at another trust works from the .proto files, not from our generated code.
    const reflected = protoFileRoot.lookupType(type);
    expect(reflected.toObject(reflected.decode(codec.encode(sample)), grpcLoaderOptions)).toEqual(sample);
  });
});

describe('gRPC contracts', () => {
  it.each(Object.values(grpcServices))('$package loads with the runtime loader, well-known types included', (service) => {
    const definition = protoLoader.loadSync(service.protoPath, grpcLoaderOptions as protoLoader.Options);
    expect(definition).toHaveProperty(['google.protobuf.Timestamp']);
    expect(Object.keys(definition).some((name) => name.startsWith(`${service.package}.`) && name.endsWith('Service'))).toBe(true);
  });
});
