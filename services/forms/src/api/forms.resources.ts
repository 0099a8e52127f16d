import type { Bundle, Questionnaire, QuestionnaireResponse } from '@medplum/fhirtypes';
import type { StoredEvent } from '@varde/event-sourcing';
import type { QuestionnaireVersion } from '../domain/questionnaire-catalogue';
import type { QuestionnaireResponseSubmitted } from '../domain/response.events';

/** Extension on a stored QuestionnaireResponse carrying one computed score (code + value). */
export const SCORE_EXTENSION_URL = 'https://varde.no/fhir/StructureDefinition/questionnaire-score';

/** A published questionnaire version as a FHIR R4 Questionnaire. */
export function questionnaireResource(q: QuestionnaireVersion): Questionnaire {
  return {
    resourceType: 'Questionnaire',
    id: q.id,
    url: q.url,
    version: q.version,
    name: q.name,
    title: q.title,
    status: 'active',
    subjectType: ['Patient'],
    item: q.items.map((item) => ({
      linkId: item.linkId,
      text: item.text,
      type: 'integer',
      required: true,
      answerOption: Array.from({ length: item.max - item.min + 1 }, (_, i) => ({ valueInteger: item.min + i })),
    })),
  };
}

/** A FHIR searchset Bundle of questionnaires. */
export function questionnaireBundle(questionnaires: readonly QuestionnaireVersion[], baseUrl: string): Bundle<Questionnaire> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: questionnaires.length,
    entry: questionnaires.map((q) => ({ fullUrl: `${baseUrl}/fhir/Questionnaire/${q.id}`, resource: questionnaireResource(q), search: { mode: 'match' } })),
  };
}

/** A stored response as a FHIR R4 QuestionnaireResponse, with its scores as extensions. */
export function questionnaireResponseResource(event: StoredEvent<QuestionnaireResponseSubmitted>, questionnaire: QuestionnaireVersion | undefined): QuestionnaireResponse {
  const d = event.data;
  // In the questionnaire's order: the stored answers are a JSON object whose key order the database does not keep.
  const order = questionnaire?.items.map((i) => i.linkId) ?? Object.keys(d.answers).sort();
  const texts = new Map(questionnaire?.items.map((i) => [i.linkId, i.text]));
  return {
    resourceType: 'QuestionnaireResponse',
    id: d.responseId,
    meta: { lastUpdated: event.metadata.recordedTime },
    extension: d.scores.map((s) => ({
      url: SCORE_EXTENSION_URL,
      extension: [
        { url: 'code', valueCoding: { system: s.code.system, code: s.code.code } },
        { url: 'value', valueDecimal: s.value },
      ],
    })),
    questionnaire: `${d.questionnaireUrl}|${d.questionnaireVersion}`,
    status: 'completed',
    subject: { reference: `Patient/${d.patientId}` },
    authored: d.authoredAt,
    item: order.filter((linkId) => linkId in d.answers).map((linkId) => ({
      linkId,
      ...(texts.has(linkId) ? { text: texts.get(linkId) } : {}),
      answer: [{ valueInteger: d.answers[linkId] }],
    })),
  };
}
