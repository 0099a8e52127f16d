import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@varde/core';
import { EventStore, type StoredEvent } from '@varde/event-sourcing';
import { responseStreamId, responseSubject, type ResponseEvent } from '../domain/response.events';
import { ResponseIndex, type ResponsePage, type ResponseSearch } from './response-index.port';

/** Reads stored questionnaire responses: one's versions from its stream, or a patient's as they read now. */
@Injectable()
export class QuestionnaireResponseQuery {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(ResponseIndex) private readonly index: ResponseIndex,
  ) {}

  /** A page of the responses matching, in authored order, each with every version (the last is current), and the total. */
  async search(search: ResponseSearch): Promise<ResponsePage<readonly StoredEvent<ResponseEvent>[]>> {
    const page = await this.index.search(search);
    return { ...page, responses: await Promise.all(page.responses.map((r) => this.history(r.responseId))) };
  }

  /** Every version of the response, oldest first; a 404 when there is none. */
  async history(responseId: string): Promise<readonly StoredEvent<ResponseEvent>[]> {
    const { events } = await this.store.readStream<StoredEvent<ResponseEvent>>(responseStreamId(responseId));
    if (events.length === 0) throw NotFoundError.about(responseSubject(responseId), 'does not exist');
    return events;
  }
}
