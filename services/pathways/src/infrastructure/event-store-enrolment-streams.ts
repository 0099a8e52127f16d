import { isExpectedVersionConflictError, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { ConcurrencyError } from '@varde/core';
import { eventStoreInTransaction, type StoredEvent, type Transaction } from '@varde/event-sourcing';
import { EVENT_STORE } from '@varde/platform';
import { EnrolmentStreams, type LoadedEnrolment } from '../application/enrolment-streams.port';
import { enrolmentDecider } from '../domain/enrolment.decide';
import { enrolmentStreamId, type EnrolmentEvent } from '../domain/enrolment.events';

/** Enrolment streams in the service's event store. */
@Injectable()
export class EventStoreEnrolmentStreams extends EnrolmentStreams {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {
    super();
  }

  override async load(patientId: string): Promise<LoadedEnrolment> {
    const { events, currentStreamVersion } = await this.store.readStream<StoredEvent<EnrolmentEvent>>(enrolmentStreamId(patientId));
    const state = events.reduce((s, e) => enrolmentDecider.evolve(s, e as unknown as EnrolmentEvent), enrolmentDecider.initialState());
    return { events: events as unknown as StoredEvent<EnrolmentEvent>[], state, version: currentStreamVersion };
  }

  override async append(tx: Transaction, patientId: string, events: readonly StoredEvent<EnrolmentEvent>[], expectedVersion: bigint): Promise<bigint> {
    try {
      const result = await eventStoreInTransaction(this.store, tx).appendToStream(enrolmentStreamId(patientId), events as never[], {
        expectedStreamVersion: expectedVersion === 0n ? STREAM_DOES_NOT_EXIST : expectedVersion,
      } as never);
      return result.nextExpectedStreamVersion;
    } catch (error) {
      // Not instanceof: emmett-postgresql bundles its own copy of Emmett's error classes.
      if (isExpectedVersionConflictError(error)) throw new ConcurrencyError('the enrolment was changed by someone else at the same time; look at its current state and try again');
      throw error;
    }
  }
}
