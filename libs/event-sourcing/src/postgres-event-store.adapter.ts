import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { Decider, DomainCommand, DomainEvent } from '@varde/core';
import type pg from 'pg';
import { eventStoreInTransaction } from './event-store-in-transaction';
import { EventStore, type UnitOfWork } from './event-store.port';
import { eventStoreUnitOfWork } from './event-store-unit-of-work';
import { handleNewStreamCommands, type CommandOutcome, type NewStreamCommandsOptions, type StreamCommand } from './new-streams-command-handler';
import type { Transaction } from './transaction';

/** {@link EventStore} over Emmett's PostgreSQL store (`store`) and the service's pool (for multi-stream appends). */
export class PostgresEventStoreAdapter extends EventStore {
  override readonly aggregateStream: PostgresEventStore['aggregateStream'];
  override readonly readStream: PostgresEventStore['readStream'];
  override readonly appendToStream: PostgresEventStore['appendToStream'];
  override readonly streamExists: PostgresEventStore['streamExists'];

  constructor(
    private readonly store: PostgresEventStore,
    private readonly pool: pg.Pool,
    /** The caller's transaction, when this store appends within one (see {@link within}). */
    private readonly tx?: Transaction,
  ) {
    super();
    this.aggregateStream = store.aggregateStream.bind(store);
    this.readStream = store.readStream.bind(store);
    this.appendToStream = store.appendToStream.bind(store);
    this.streamExists = store.streamExists.bind(store);
  }

  override within(tx: Transaction): EventStore {
    return new PostgresEventStoreAdapter(eventStoreInTransaction(this.store, tx), this.pool, tx);
  }

  override unitOfWork(): UnitOfWork {
    const unit = eventStoreUnitOfWork(this.store);
    return { store: new PostgresEventStoreAdapter(unit.store, this.pool), flush: (tx) => unit.flush(tx) };
  }

  override handleNewStreamCommands<C extends DomainCommand, S, E extends DomainEvent>(
    decider: Decider<C, S, E>,
    commands: readonly StreamCommand<C>[],
    options: NewStreamCommandsOptions<E>,
  ): Promise<CommandOutcome<S, E>[]> {
    return handleNewStreamCommands(this.tx ?? this.pool, decider, commands, options);
  }
}
