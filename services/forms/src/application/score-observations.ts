import type { Observation } from '@medplum/fhirtypes';
import { deterministicId } from '@varde/event-sourcing';
import type { ResponseContent, Score } from '../domain/response.events';

/** The stable id of the Observation of one score of one response. */
export const scoreObservationId = (responseId: string, score: Score): string => deterministicId(`score-observation:${responseId}:${score.code.system}|${score.code.code}`);

/**
 * A response's score as a FHIR R4 Observation: category survey, every coding of the score, the value as a
 * dimensionless `{score}`, effective when the form was authored, derived from the response.
 */
export function scoreObservation(response: ResponseContent, score: Score, status: 'final' | 'amended', issued: string): Observation {
  return {
    resourceType: 'Observation',
    id: scoreObservationId(response.responseId, score),
    status,
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey', display: 'Survey' }] }],
    code: { coding: (score.codings?.length ? score.codings : [score.code]).map((c) => ({ ...c })), ...(score.code.display ? { text: score.code.display } : {}) },
    subject: { reference: `Patient/${response.patientId}` },
    effectiveDateTime: response.authoredAt,
    issued,
    valueQuantity: { value: score.value, unit: '{score}', system: 'http://unitsofmeasure.org', code: '{score}' },
    derivedFrom: [{ reference: `QuestionnaireResponse/${response.responseId}` }],
  };
}
