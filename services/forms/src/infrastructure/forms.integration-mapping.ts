import { integrationEventTypes } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import { scoreObservation } from '../application/score-observations';
import type { AssignmentEvent } from '../domain/assignment.events';
import type { QuestionnaireResponseAmended, QuestionnaireResponseSubmitted, ResponseEvent } from '../domain/response.events';

const RESPONSE_SUBMITTED = 'varde.forms.v1.QuestionnaireResponseSubmitted';
const FORM_ASSIGNED = 'varde.forms.v1.FormAssigned';
const ASSIGNMENT_EXPIRED = 'varde.forms.v1.FormAssignmentExpired';
const REMINDER_DUE = 'varde.forms.v1.FormReminderDue';
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
      return integrationMessageFor('forms', e, {
        type: FORM_ASSIGNED,
        key: e.data.patientId,
        payload: integrationEventTypes[FORM_ASSIGNED].encode({
          assignmentId: e.data.assignmentId,
          patientId: e.data.patientId,
          questionnaireUrl: e.data.questionnaireUrl,
          questionnaireVersion: e.data.questionnaireVersion,
          assignedAt: new Date(e.data.assignedAt),
          dueAt: at(e.data.dueAt),
          expiresAt: at(e.data.expiresAt),
          assignedBy: e.data.assignedBy ?? 'enrolment',
        }),
      });
    case 'FormAssignmentExpired':
      return integrationMessageFor('forms', e, {
        type: ASSIGNMENT_EXPIRED,
        key: e.data.patientId,
        payload: integrationEventTypes[ASSIGNMENT_EXPIRED].encode({ ...e.data, expiredAt: new Date(e.data.expiredAt) }),
      });
    case 'FormReminderDue':
      return integrationMessageFor('forms', e, {
        type: REMINDER_DUE,
        key: e.data.patientId,
        payload: integrationEventTypes[REMINDER_DUE].encode({ ...e.data, remindAt: new Date(e.data.remindAt), dueAt: at(e.data.dueAt) }),
      });
    case 'FormAssignmentAnswered':
      return undefined;
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
