import { streamFoldProjection, type RebuildableProjection } from '@varde/event-sourcing';
import type pg from 'pg';
import { nextDeadline } from '../domain/assignment.decide';
import { assignmentStreamId, evolveAssignment, initialAssignmentState, type AssignmentEvent, type AssignmentState } from '../domain/assignment.events';
import { RESPONSE_STATUS_OF, responseStreamId, type ResponseEvent } from '../domain/response.events';
import { PostgresAssignmentDeadlines } from './postgres-assignment-deadlines';
import { PostgresResponseIndex } from './postgres-response-index';

const RESPONSES = responseStreamId('');
const ASSIGNMENTS = assignmentStreamId('');

/**
 * Forms' read models that `npm run rebuild -- --service forms --projection <name>` drops and rebuilds from the event
 * log: each response's stream folded to the version the search index holds, each patient's assignments to their next
 * deadline — what the live handlers write in the transaction of the stream's last command.
 */
export function formsProjections(pool: pg.Pool): Readonly<Record<string, RebuildableProjection>> {
  const index = new PostgresResponseIndex(pool);
  const deadlines = new PostgresAssignmentDeadlines(pool);
  return {
    responses: streamFoldProjection<ResponseEvent | undefined, ResponseEvent>({
      tables: ['questionnaire_responses'],
      streamPrefix: RESPONSES,
      initialState: () => undefined,
      evolve: (_last, event) => event,
      write: async (tx, streams) => {
        for (const { streamId, state: last, version } of streams) {
          if (!last) continue;
          const { patientId, questionnaireUrl, questionnaireVersion, authoredAt } = last.data;
          await index.apply(tx, { responseId: streamId.slice(RESPONSES.length), patientId, questionnaireUrl, questionnaireVersion, status: RESPONSE_STATUS_OF[last.type], authoredAt, version });
        }
      },
    }),
    'assignment-deadlines': streamFoldProjection<AssignmentState, AssignmentEvent>({
      tables: ['form_assignment_deadlines'],
      streamPrefix: ASSIGNMENTS,
      initialState: initialAssignmentState,
      evolve: evolveAssignment,
      write: async (tx, streams) => {
        for (const { streamId, state } of streams) await deadlines.set(tx, streamId.slice(ASSIGNMENTS.length), nextDeadline(state));
      },
    }),
  };
}
