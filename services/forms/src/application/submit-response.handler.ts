import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, handleCommand, type StoredEvent } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { isAssigned } from '../domain/assignment.events';
import type { QuestionnaireVersion } from '../domain/questionnaire-catalogue';
import { responseDecider } from '../domain/response.decide';
import { responseStreamId, type QuestionnaireResponseSubmitted } from '../domain/response.events';
import { AssignmentsQuery } from './assignments.query';

/** A validated response, as the HTTP edge hands it over. */
export type ResponseSubmission = Readonly<{
  patientId: string;
  questionnaire: QuestionnaireVersion;
  authoredAt: string;
  answers: Readonly<Record<string, number>>;
}>;

/** The stored response and whether this call recorded it. */
export type SubmissionResult = Readonly<{ response: StoredEvent<QuestionnaireResponseSubmitted>; created: boolean }>;

/** Records a patient's response to an assigned questionnaire. */
@Injectable()
export class SubmitResponseHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(AssignmentsQuery) private readonly assignments: AssignmentsQuery,
  ) {}

  async handle(input: ResponseSubmission, metadata: CommandMetadata): Promise<SubmissionResult> {
    const assignmentState = await this.assignments.state(input.patientId);
    // From the command id, so a client retry with the same Idempotency-Key lands on the same response.
    const responseId = deterministicId(`questionnaire-response:${metadata.commandId}`);
    const result = await handleCommand(this.store, responseStreamId(responseId), responseDecider, {
      type: 'SubmitQuestionnaireResponse',
      data: { ...input, responseId, assigned: isAssigned(assignmentState, input.questionnaire.url, input.questionnaire.version) },
      metadata,
    });
    const [response] = result.events.length > 0 ? result.events : (await this.store.readStream<StoredEvent<QuestionnaireResponseSubmitted>>(responseStreamId(responseId))).events;
    if (!response) throw new Error('the response was not recorded');
    return { response, created: result.events.length > 0 && !result.alreadyHandled };
  }
}
