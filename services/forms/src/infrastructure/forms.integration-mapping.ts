import { integrationEventTypes } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import { scoreObservation } from '../application/score-observations';
import type { AssignmentEvent } from '../domain/assignment.events';
import type { QuestionnaireResponseAmended, QuestionnaireResponseSubmitted, ResponseEvent } from '../domain/response.events';

const RESPONSE_SUBMITTED = 'varde.forms.v1.QuestionnaireResponseSubmitted';
const FORM_ASSIGNED = 'varde.forms.v1.FormAssigned';

/**
 * Publishes completed and amended responses (scores as values and as FHIR Observations, and the answers on a
 * numeric scale triage rules may use) and assignments. Responses in progress stay inside forms.
 */
export function formsIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  const e = event as RecordedEvent<AssignmentEvent | ResponseEvent>;
  switch (e.type) {
    case 'QuestionnaireResponseSubmitted':
    case 'QuestionnaireResponseAmended':
      return responseMessage(e as RecordedEvent<QuestionnaireResponseSubmitted | QuestionnaireResponseAmended>);
    case 'QuestionnaireResponseSaved':
      return undefined;
    case 'FormAssigned':
      return integrationMessageFor('forms', e, {
        type: FORM_ASSIGNED,
        key: e.data.patientId,
        payload: integrationEventTypes[FORM_ASSIGNED].encode({ ...e.data, assignedAt: new Date(e.data.assignedAt), dueAt: undefined, expiresAt: undefined, assignedBy: 'enrolment' }),
      });
    default: {
      const _exhaustive: never = e;
      return undefined;
    }
  }
}

function responseMessage(e: RecordedEvent<QuestionnaireResponseSubmitted | QuestionnaireResponseAmended>): IntegrationMessage {
  const amended = e.type === 'QuestionnaireResponseAmended';
  const issued = e.metadata.recordedTime;
  return integrationMessageFor('forms', e, {
    type: RESPONSE_SUBMITTED,
    key: e.data.patientId,
    payload: integrationEventTypes[RESPONSE_SUBMITTED].encode({
      responseId: e.data.responseId,
      patientId: e.data.patientId,
      questionnaireUrl: e.data.questionnaireUrl,
      questionnaireVersion: e.data.questionnaireVersion,
      authoredAt: new Date(e.data.authoredAt),
      recordedAt: new Date(issued),
      scores: e.data.scores.map((s) => ({ code: { system: s.code.system, code: s.code.code, display: s.code.display ?? '' }, value: s.value })),
      answers: Object.entries(e.data.answers).map(([linkId, value]) => ({ linkId, value })),
      status: amended ? 'amended' : 'completed',
      observations: e.data.scores.map((s) => {
        const observation = scoreObservation(e.data, s, amended ? 'amended' : 'final', issued);
        return { observationId: observation.id!, code: { system: s.code.system, code: s.code.code, display: s.code.display ?? '' }, value: s.value, fhirJson: JSON.stringify(observation) };
      }),
      author: e.data.author?.reference ?? '',
    }),
  });
}
