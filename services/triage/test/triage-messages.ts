import { randomUUID } from 'node:crypto';
import { integrationEventTypes, measurementsV1Events } from '@varde/contracts';
import type { IntegrationMessage } from '@varde/messaging';

const SPO2 = { system: 'http://loinc.org', code: '2708-6', display: 'Oxygen saturation' };

/** What the measurements service publishes for an SpO2 reading (%), as put on the embedded bus by tests. */
export function spo2Recorded(patientId: string, value: number, effectiveTime: Date): IntegrationMessage {
  const id = randomUUID();
  return {
    id,
    type: 'varde.measurements.v1.MeasurementRecorded',
    source: 'varde/measurements',
    topic: 'varde.measurements.v1',
    key: patientId,
    time: effectiveTime.toISOString(),
    recordedTime: new Date().toISOString(),
    correlationId: id,
    causationId: id,
    payload: integrationEventTypes['varde.measurements.v1.MeasurementRecorded'].encode({
      measurementId: id,
      patientId,
      code: SPO2,
      value,
      unit: '%',
      originalValue: value,
      originalUnit: '%',
      effectiveTime,
      receivedTime: new Date(),
      provenance: measurementsV1Events.Provenance.fromPartial({ method: 'device', deviceId: 'oximeter-1' }),
      flags: [],
      components: [],
    }),
  };
}

/** What the forms service publishes for a submitted CAT questionnaire with the given total. */
export function catSubmitted(patientId: string, score: number): IntegrationMessage {
  const id = randomUUID();
  const now = new Date();
  return {
    id,
    type: 'varde.forms.v1.QuestionnaireResponseSubmitted',
    source: 'varde/forms',
    topic: 'varde.forms.v1',
    key: patientId,
    time: now.toISOString(),
    recordedTime: now.toISOString(),
    correlationId: id,
    causationId: id,
    payload: integrationEventTypes['varde.forms.v1.QuestionnaireResponseSubmitted'].encode({
      responseId: id,
      patientId,
      questionnaireUrl: 'https://varde.no/fhir/Questionnaire/cat',
      questionnaireVersion: '1',
      authoredAt: now,
      recordedAt: now,
      scores: [{ code: { system: 'https://varde.no/fhir/CodeSystem/score', code: 'CAT', display: 'CAT' }, value: score }],
    }),
  };
}
