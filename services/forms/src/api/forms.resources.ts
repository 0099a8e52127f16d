import type { Bundle, Questionnaire, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import type { StoredEvent } from '@varde/event-sourcing';
import type { QuestionnaireEntry } from '../application/questionnaire-catalogue.query';
import { scoreObservation } from '../application/score-observations';
import { itemsOf, RESPONSE_STATUS_OF, scoresOf, type ResponseEvent } from '../domain/response.events';

/** Extension on a stored QuestionnaireResponse carrying one computed score (code + value). */
export const SCORE_EXTENSION_URL = 'https://varde.no/fhir/StructureDefinition/questionnaire-score';

/** A catalogue entry as a FHIR R4 Questionnaire, with the server's id, version and status. */
export function questionnaireResource(entry: QuestionnaireEntry): Questionnaire {
  return { ...entry.resource, resourceType: 'Questionnaire', id: entry.id, meta: { versionId: String(entry.versionId), lastUpdated: entry.lastUpdated }, status: entry.status };
}

/** One version of a stored response as a FHIR R4 QuestionnaireResponse, with its scores as extensions. */
export function questionnaireResponseResource(event: StoredEvent<ResponseEvent>, versionId: number): QuestionnaireResponse {
  const d = event.data;
  const scores = scoresOf(d);
  return {
    resourceType: 'QuestionnaireResponse',
    id: d.responseId,
    meta: { versionId: String(versionId), lastUpdated: event.metadata.recordedTime },
    ...(scores.length > 0
      ? {
          extension: scores.map((s) => ({
            url: SCORE_EXTENSION_URL,
            extension: [
              { url: 'code', valueCoding: { system: s.code.system, code: s.code.code } },
              { url: 'value', valueDecimal: s.value },
            ],
          })),
        }
      : {}),
    questionnaire: `${d.questionnaireUrl}|${d.questionnaireVersion}`,
    status: RESPONSE_STATUS_OF[event.type],
    subject: { reference: `Patient/${d.patientId}` },
    authored: d.authoredAt,
    ...(d.author ? { author: d.author } : {}),
    ...(d.source ? { source: d.source } : {}),
    item: itemsOf(d) as QuestionnaireResponse['item'],
  };
}

/** A response's versions as a FHIR history Bundle, newest first. */
export function responseHistoryBundle(events: readonly StoredEvent<ResponseEvent>[], fhirBase: string): Bundle<QuestionnaireResponse> {
  return {
    resourceType: 'Bundle',
    type: 'history',
    total: events.length,
    entry: events
      .map((e, i) => ({ fullUrl: `${fhirBase}/QuestionnaireResponse/${e.data.responseId}`, resource: questionnaireResponseResource(e, i + 1) }))
      .reverse(),
  };
}

/**
 * A response for the EHR as one FHIR `collection` Bundle: the response version, its scores as Observations
 * (derivedFrom the response) and the Questionnaire version it answers.
 */
export function responseExportBundle(event: StoredEvent<ResponseEvent>, versionId: number, questionnaire: QuestionnaireEntry | undefined, fhirBase: string): Bundle {
  const response = questionnaireResponseResource(event, versionId);
  const scores = scoresOf(event.data);
  const observations = scores.map((s) => scoreObservation(event.data, s, response.status === 'amended' ? 'amended' : 'final', event.metadata.recordedTime));
  const resources: Resource[] = [response, ...observations, ...(questionnaire ? [questionnaireResource(questionnaire)] : [])];
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: event.metadata.recordedTime,
    entry: resources.map((resource) => ({ fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`, resource })),
  };
}
