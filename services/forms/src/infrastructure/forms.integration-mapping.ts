import { integrationEventTypes, type IntegrationEvent, type IntegrationEventCodec } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import { scoreObservation } from '../application/score-observations';
import type { AssignmentEvent } from '../domain/assignment.events';
import type { QuestionnaireResponseAmended, QuestionnaireResponseSubmitted, ResponseEvent, Score } from '../domain/response.events';

type FormsEventType = 'varde.forms.v1.QuestionnaireResponseSubmitted' | 'varde.forms.v1.FormAssigned' | 'varde.forms.v1.FormAssignmentExpired' | 'varde.forms.v1.FormReminderDue';
const at = (iso: string | undefined): Date | undefined => (iso === undefined ? undefined : new Date(iso));

/**
 * Publishes completed and amended responses (scores as values and as FHIR Observations, and the answers on a
 * numeric scale triage rules may use) and assignments with their expiry and reminders. Responses in progress and
 * the answered mark of an assignment stay inside forms.
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
      return published(e, 'varde.forms.v1.FormAssigned', {
        assignmentId: e.data.assignmentId,
        patientId: e.data.patientId,
        questionnaireUrl: e.data.questionnaireUrl,
        questionnaireVersion: e.data.questionnaireVersion,
        assignedAt: new Date(e.data.assignedAt),
        dueAt: at(e.data.dueAt),
        expiresAt: at(e.data.expiresAt),
        assignedBy: e.data.assignedBy ?? 'enrolment',
      });
    case 'FormAssignmentExpired':
      return published(e, 'varde.forms.v1.FormAssignmentExpired', { ...e.data, expiredAt: new Date(e.data.expiredAt) });
    case 'FormReminderDue':
      return published(e, 'varde.forms.v1.FormReminderDue', { ...e.data, remindAt: new Date(e.data.remindAt), dueAt: at(e.data.dueAt) });
    case 'FormAssignmentAnswered':
      return undefined;
    default: {
      const _exhaustive: never = e;
      return undefined;
    }
  }
}

/** A forms event as the integration event `type`, keyed by its patient (a patient's events stay in order). */
function published<K extends FormsEventType>(e: RecordedEvent<AssignmentEvent | ResponseEvent>, type: K, payload: IntegrationEvent<K>): IntegrationMessage {
  const codec = integrationEventTypes[type] as IntegrationEventCodec<IntegrationEvent<K>>;
  return integrationMessageFor('forms', e, { type, key: e.data.patientId, payload: codec.encode(payload) });
}

/** A score's code as the contract carries it (no display is an empty one). */
const scoreCode = (s: Score) => ({ system: s.code.system, code: s.code.code, display: s.code.display ?? '' });

function responseMessage(e: RecordedEvent<QuestionnaireResponseSubmitted | QuestionnaireResponseAmended>): IntegrationMessage {
  const amended = e.type === 'QuestionnaireResponseAmended';
  const issued = e.metadata.recordedTime;
  return published(e, 'varde.forms.v1.QuestionnaireResponseSubmitted', {
    responseId: e.data.responseId,
    patientId: e.data.patientId,
    questionnaireUrl: e.data.questionnaireUrl,
    questionnaireVersion: e.data.questionnaireVersion,
    authoredAt: new Date(e.data.authoredAt),
    recordedAt: new Date(issued),
    scores: e.data.scores.map((s) => ({ code: scoreCode(s), value: s.value })),
    answers: Object.entries(e.data.answers).map(([linkId, value]) => ({ linkId, value })),
    status: amended ? 'amended' : 'completed',
    observations: e.data.scores.map((s) => {
      const observation = scoreObservation(e.data, s, amended ? 'amended' : 'final', issued);
      return { observationId: observation.id!, code: scoreCode(s), value: s.value, fhirJson: JSON.stringify(observation) };
    }),
    author: e.data.author?.reference ?? '',
  });
}
