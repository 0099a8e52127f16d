import type { EventStore } from '@event-driven-io/emmett';
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@varde/core';
import type { StoredEvent } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { responseStreamId, type ResponseEvent } from '../domain/response.events';

/** Reads one stored questionnaire response's versions from its stream. */
@Injectable()
export class QuestionnaireResponseQuery {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Every version of the response, oldest first; a 404 when there is none. */
  async history(responseId: string): Promise<readonly StoredEvent<ResponseEvent>[]> {
    const { events } = await this.store.readStream<StoredEvent<ResponseEvent>>(responseStreamId(responseId));
    if (events.length === 0) throw new NotFoundError(`QuestionnaireResponse/${responseId} does not exist`);
    return events;
  }
}
