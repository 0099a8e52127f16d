import type { QuestionnaireResponseItem } from '@medplum/fhirtypes';
import { Inject, Injectable } from '@nestjs/common';
import { IllegalStateError, ValidationError, type CommandMetadata } from '@varde/core';
import { deterministicId, EventStore, Transactions, type StoredEvent, handleCommandInTransaction } from '@varde/event-sourcing';
import { isAssigned } from '../domain/assignment.events';
import { responseDecider } from '../domain/response.decide';
import { RESPONSE_STATUS_OF, responseStreamId, responseSubject, sameAnswers, type ResponseEvent, type ResponseParty, type ResponseStatus } from '../domain/response.events';
import { AssignFormHandler } from './assign-form.handler';
import { AssignmentsQuery } from './assignments.query';
import { PatientFactsHandler } from './patient-facts.handler';
import { QuestionnaireCatalogueQuery, type QuestionnaireEntry } from './questionnaire-catalogue.query';
import { ResponseIndex } from './response-index.port';
import { evaluateResponse } from './response-evaluation';

/** A QuestionnaireResponse that passed the edge's checks, before its answers are checked against the questionnaire. */
export type ResponseSubmission = Readonly<{
  patientId: string;
  /** The canonical named: url, and version when given. */
  questionnaire: Readonly<{ url: string; version?: string }>;
  status: ResponseStatus;
  authoredAt: string;
  items: readonly QuestionnaireResponseItem[];
  author?: ResponseParty;
  source?: ResponseParty;
}>;

/** The stored response (its latest event), the questionnaire it answers, and whether this call changed it. */
export type SubmissionResult = Readonly<{ response: StoredEvent<ResponseEvent>; version: number; questionnaire: QuestionnaireEntry; created: boolean }>;

/**
 * Records a response version against the exact questionnaire version it names (or, for a bare url, the version
 * assigned to the patient): answers checked, calculated items and scores computed by the server.
 */
@Injectable()
export class SubmitResponseHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(ResponseIndex) private readonly index: ResponseIndex,
    @Inject(AssignmentsQuery) private readonly assignments: AssignmentsQuery,
    @Inject(QuestionnaireCatalogueQuery) private readonly catalogue: QuestionnaireCatalogueQuery,
    @Inject(AssignFormHandler) private readonly assign: AssignFormHandler,
    @Inject(PatientFactsHandler) private readonly facts: PatientFactsHandler,
  ) {}

  /** A new response (POST): its id comes from the command id, so a retry with the same Idempotency-Key lands on it. */
  async create(input: ResponseSubmission, metadata: CommandMetadata): Promise<SubmissionResult> {
    return this.save(deterministicId(`questionnaire-response:${metadata.commandId}`), input, metadata);
  }

  /**
   * A new version of a response (PUT): resumed, completed or amended. With `expectedVersion` (the client's If-Match)
   * a response at another version is refused with a ConcurrencyError and nothing is written.
   */
  async save(responseId: string, input: ResponseSubmission, metadata: CommandMetadata, expectedVersion?: number): Promise<SubmissionResult> {
    const assignmentState = await this.assignments.state(input.patientId);
    const questionnaire = await this.resolve(input, assignmentState);
    const q = questionnaire.resource;
    const { issues, items, numeric, scores } = evaluateResponse(q, input.items, input.status !== 'in-progress');
    if (issues.length > 0) throw new ValidationError(issues);
    const content = {
      responseId,
      patientId: input.patientId,
      questionnaireUrl: q.url!,
      questionnaireVersion: q.version!,
      authoredAt: input.authoredAt,
      answers: numeric,
      items,
      ...(input.author ? { author: input.author } : {}),
      ...(input.source ? { source: input.source } : {}),
    };
    // The response's new version and its row in the search index commit together.
    const command = {
      type: 'SaveQuestionnaireResponse' as const,
      data: { ...content, status: input.status, assigned: isAssigned(assignmentState, q.url!, q.version!), answerable: questionnaire.status === 'active', scores },
      metadata,
    };
    const result = await handleCommandInTransaction(this.transactions, this.store, responseStreamId(responseId), responseDecider, command, async (tx, handled) => {
      const written = handled.events[handled.events.length - 1];
      if (written && !handled.alreadyHandled) {
        const { patientId, questionnaireUrl, questionnaireVersion, authoredAt } = written.data;
        await this.index.apply(tx, { responseId, patientId, questionnaireUrl, questionnaireVersion, status: RESPONSE_STATUS_OF[written.type], authoredAt, version: Number(handled.nextStreamVersion) });
      }
      return handled;
    }, expectedVersion === undefined ? {} : { expectedStreamVersion: BigInt(expectedVersion) });
    const { events } = await this.store.readStream<StoredEvent<ResponseEvent>>(responseStreamId(responseId));
    const response = events[events.length - 1];
    if (!response) throw new Error('the response was not recorded');
    if (result.alreadyHandled && !sameAnswers(response.data, content)) {
      // The same command id (the HTTP edge's Idempotency-Key) with other answers: a client bug, not a retry.
      throw IllegalStateError.about(responseSubject(responseId), 'was already recorded with other answers; a retry must resend the same answers', 'commandId');
    }
    if (response.type === 'QuestionnaireResponseSubmitted') {
      // After the response is recorded (a retry repeats this and changes nothing): the assignment it answers.
      await this.assign.markAnswered({ patientId: input.patientId, questionnaire: { url: q.url!, version: q.version! }, responseId }, metadata);
    }
    if (response.type !== 'QuestionnaireResponseSaved') {
      // The previous answer the next response to this form is pre-filled from.
      await this.facts.note({ type: 'NoteResponse', data: { patientId: input.patientId, questionnaireUrl: q.url!, responseId, authoredAt: input.authoredAt }, metadata: PatientFactsHandler.derived(metadata, 'noted') });
    }
    return { response, version: events.length, questionnaire, created: result.events.length > 0 && !result.alreadyHandled };
  }

  /**
   * The questionnaire version the response answers: `url|version` exactly, or the url's version assigned to the patient.
   * A retired one is returned too: whether it may still be answered is the response decider's to say (only amended).
   */
  private async resolve(input: ResponseSubmission, assignmentState: Awaited<ReturnType<AssignmentsQuery['state']>>): Promise<QuestionnaireEntry> {
    const { url, version } = input.questionnaire;
    const field = 'questionnaire';
    let chosen = version;
    if (chosen === undefined) {
      const assigned = assignmentState.status === 'assigned' ? assignmentState.assignments.filter((a) => a.questionnaireUrl === url) : [];
      chosen = assigned[assigned.length - 1]?.questionnaireVersion;
      if (chosen === undefined) throw ValidationError.field(field, `no version of ${url} is assigned to this patient; name the version as "${url}|<version>"`);
    }
    const entry = await this.catalogue.byCanonical(url, chosen);
    if (!entry) {
      const known = (await this.catalogue.search({ url, status: 'active' })).map((e) => `${url}|${e.resource.version}`);
      throw ValidationError.field(field, `unknown questionnaire version ${url}|${chosen}${known.length ? `; published: ${known.join(', ')}` : ''}`);
    }
    return entry;
  }
}
