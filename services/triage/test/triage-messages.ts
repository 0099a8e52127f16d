import { randomUUID } from 'node:crypto';
import { integrationEventTypes, measurementsV1Events, pathwaysV1Events, type IntegrationEventType } from '@varde/contracts';
import type { IntegrationMessage } from '@varde/messaging';

const LOINC = 'http://loinc.org';
const SPO2 = { system: LOINC, code: '2708-6', display: 'Oxygen saturation' };
const TOPICS = { measurements: 'varde.measurements.v1', forms: 'varde.forms.v1', pathways: 'varde.pathways.v1' } as const;

// An integration message as the producing service would publish it, put on the embedded bus by tests.
function message<T extends IntegrationEventType>(type: T, topic: string, patientId: string, time: Date, payload: Parameters<(typeof integrationEventTypes)[T]['encode']>[0]): IntegrationMessage {
  const id = randomUUID();
  const encode = integrationEventTypes[type].encode as (p: typeof payload) => Uint8Array;
  return { id, type, source: `varde/${topic.split('.')[1]}`, topic, key: patientId, time: time.toISOString(), recordedTime: new Date().toISOString(), correlationId: id, causationId: id, payload: encode(payload) };
}

/** MeasurementRecorded for a LOINC-coded reading (default SpO2 in %), with its own measurement id unless given. */
export function measurementRecorded(patientId: string, value: number, effectiveTime: Date, options: { code?: string; unit?: string; measurementId?: string } = {}): IntegrationMessage {
  const code = options.code ? { system: LOINC, code: options.code, display: options.code } : SPO2;
  const unit = options.unit ?? '%';
  return message('varde.measurements.v1.MeasurementRecorded', TOPICS.measurements, patientId, effectiveTime, {
    measurementId: options.measurementId ?? randomUUID(),
    patientId,
    code,
    value,
    unit,
    originalValue: value,
    originalUnit: unit,
    effectiveTime,
    receivedTime: new Date(),
    provenance: measurementsV1Events.Provenance.fromPartial({ method: 'device', deviceId: 'oximeter-1' }),
    flags: [],
    components: [],
  });
}

/** What the measurements service publishes for an SpO2 reading (%). */
export const spo2Recorded = (patientId: string, value: number, effectiveTime: Date): IntegrationMessage => measurementRecorded(patientId, value, effectiveTime);

/** MeasurementCorrected: an SpO2 measurement amended to `value`. */
export function spo2Corrected(patientId: string, measurementId: string, value: number, previousValue: number, effectiveTime: Date): IntegrationMessage {
  return message('varde.measurements.v1.MeasurementCorrected', TOPICS.measurements, patientId, new Date(), {
    measurementId,
    patientId,
    code: SPO2,
    value,
    unit: '%',
    previousValue,
    effectiveTime,
    correctedTime: new Date(),
    reason: 'typed 86 instead of 96',
    actor: { subject: 'nurse-1', role: 'clinician', organisation: '', onBehalfOf: '', hprNumber: '' },
  });
}

/** MeasurementEnteredInError for an SpO2 measurement. */
export function spo2EnteredInError(patientId: string, measurementId: string, effectiveTime: Date): IntegrationMessage {
  return message('varde.measurements.v1.MeasurementEnteredInError', TOPICS.measurements, patientId, new Date(), {
    measurementId,
    patientId,
    code: SPO2,
    effectiveTime,
    correctedTime: new Date(),
    reason: 'another person used the oximeter',
    actor: { subject: 'nurse-1', role: 'clinician', organisation: '', onBehalfOf: '', hprNumber: '' },
  });
}

/** PatientEnrolled naming a rule set (version 0: the latest published) and a care team. */
export function patientEnrolled(patientId: string, ruleSetId: string, ruleSetVersion = 0, careTeamId = 'copd-care-team'): IntegrationMessage {
  const now = new Date();
  return message('varde.pathways.v1.PatientEnrolled', TOPICS.pathways, patientId, now, {
    patientId,
    enrolmentId: randomUUID(),
    pathwayId: 'copd',
    pathwayVersion: 1,
    ruleSetId,
    ruleSetVersion,
    enrolledAt: now,
    enrolledBy: { subject: 'dr-1', role: 'clinician', organisation: '', onBehalfOf: '', hprNumber: '' },
    careTeamId,
    questionnaires: [],
    admission: 1,
  });
}

const CAT_ITEMS = ['cough', 'phlegm', 'chest-tightness', 'breathlessness', 'activities', 'confidence', 'sleep', 'energy'];

/** What the forms service publishes for a submitted CAT questionnaire with the given total (spread over the items). */
export function catSubmitted(patientId: string, score: number): IntegrationMessage {
  const id = randomUUID();
  const now = new Date();
  return message('varde.forms.v1.QuestionnaireResponseSubmitted', TOPICS.forms, patientId, now, {
    responseId: id,
    patientId,
    questionnaireUrl: 'https://varde.no/fhir/Questionnaire/cat',
    questionnaireVersion: '1',
    status: 'completed',
    observations: [],
    author: '',
    authoredAt: now,
    recordedAt: now,
    scores: [{ code: { system: 'https://varde.no/fhir/CodeSystem/score', code: 'CAT', display: 'CAT' }, value: score }],
    answers: CAT_ITEMS.map((linkId, i) => ({ linkId, value: Math.floor(score / 8) + (i < score % 8 ? 1 : 0) })),
  });
}

/** What the forms service publishes for any completed questionnaire with one score (e.g. PHQ-9 from https://varde.no/fhir/Questionnaire/phq-9). */
export function scoreSubmitted(patientId: string, questionnaireUrl: string, code: string, score: number): IntegrationMessage {
  const now = new Date();
  return message('varde.forms.v1.QuestionnaireResponseSubmitted', TOPICS.forms, patientId, now, {
    responseId: randomUUID(),
    patientId,
    questionnaireUrl,
    questionnaireVersion: '1',
    status: 'completed',
    observations: [],
    author: '',
    authoredAt: now,
    recordedAt: now,
    scores: [{ code: { system: 'https://varde.no/fhir/CodeSystem/score', code, display: code }, value: score }],
    answers: [],
  });
}

/** TaskMissed as pathways publishes it: the patient's SpO2 task (or another LOINC code) not done in its window. */
export function taskMissed(patientId: string, dueAt: Date, windowEnd: Date, loincCode = '2708-6'): IntegrationMessage {
  return message('varde.pathways.v1.TaskMissed', TOPICS.pathways, patientId, windowEnd, {
    patientId,
    taskId: randomUUID(),
    activity: 'https://varde.no/fhir/ActivityDefinition/copd-spo2|1',
    kind: pathwaysV1Events.TaskKind.TASK_KIND_MEASUREMENT,
    loincCode,
    questionnaire: '',
    dueAt,
    windowEnd,
  });
}

/** TaskMissed of a questionnaire task: the patient did not answer the questionnaire (canonical url|version) in its window. */
export function questionnaireTaskMissed(patientId: string, questionnaire: string, dueAt: Date, windowEnd: Date): IntegrationMessage {
  return message('varde.pathways.v1.TaskMissed', TOPICS.pathways, patientId, windowEnd, {
    patientId,
    taskId: randomUUID(),
    activity: 'https://varde.no/fhir/ActivityDefinition/weekly-questionnaire|1',
    kind: pathwaysV1Events.TaskKind.TASK_KIND_QUESTIONNAIRE,
    loincCode: '',
    questionnaire,
    dueAt,
    windowEnd,
  });
}
