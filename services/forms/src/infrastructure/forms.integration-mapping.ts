import { integrationEventTypes } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import type { AssignmentEvent } from '../domain/assignment.events';
import type { ResponseEvent } from '../domain/response.events';

const RESPONSE_SUBMITTED = 'varde.forms.v1.QuestionnaireResponseSubmitted';
const FORM_ASSIGNED = 'varde.forms.v1.FormAssigned';

/** Publishes submitted responses (scores and the scale answers triage rules may use) and assignments. */
export function formsIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  const e = event as RecordedEvent<AssignmentEvent | ResponseEvent>;
  switch (e.type) {
    case 'QuestionnaireResponseSubmitted':
      return integrationMessageFor('forms', e, {
        type: RESPONSE_SUBMITTED,
        key: e.data.patientId,
        payload: integrationEventTypes[RESPONSE_SUBMITTED].encode({
          responseId: e.data.responseId,
          patientId: e.data.patientId,
          questionnaireUrl: e.data.questionnaireUrl,
          questionnaireVersion: e.data.questionnaireVersion,
          authoredAt: new Date(e.data.authoredAt),
          recordedAt: new Date(e.metadata.recordedTime),
          scores: e.data.scores.map((s) => ({ code: { ...s.code, display: '' }, value: s.value })),
          answers: Object.entries(e.data.answers).map(([linkId, value]) => ({ linkId, value })),
        }),
      });
    case 'FormAssigned':
      return integrationMessageFor('forms', e, {
        type: FORM_ASSIGNED,
        key: e.data.patientId,
        payload: integrationEventTypes[FORM_ASSIGNED].encode({ ...e.data, assignedAt: new Date(e.data.assignedAt) }),
      });
    default: {
      const _exhaustive: never = e;
      return undefined;
    }
  }
}
