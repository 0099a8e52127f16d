import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@varde/core';
import type { StoredEvent } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { responseStreamId, type QuestionnaireResponseSubmitted } from '../domain/response.events';

/** Reads one stored questionnaire response from its stream. */
@Injectable()
export class QuestionnaireResponseQuery {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  async get(responseId: string): Promise<StoredEvent<QuestionnaireResponseSubmitted>> {
    const { events } = await this.store.readStream<StoredEvent<QuestionnaireResponseSubmitted>>(responseStreamId(responseId));
    const submitted = events.find((e) => e.type === 'QuestionnaireResponseSubmitted');
    if (!submitted) throw new NotFoundError(`QuestionnaireResponse/${responseId} does not exist`);
    return submitted;
  }
}
