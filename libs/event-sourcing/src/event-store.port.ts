import type { EventStore as EmmettEventStore, ReadEventMetadataWithGlobalPosition } from '@event-driven-io/emmett';
import type { Decider, DomainCommand, DomainEvent } from '@varde/core';
import type { CommandOutcome, NewStreamCommandsOptions, StreamCommand } from './new-streams-command-handler';
import type { Transaction } from './transaction';

type Store = EmmettEventStore<ReadEventMetadataWithGlobalPosition>;

/** Appends kept by {@link EventStore.unitOfWork} until `flush` writes them in the caller's transaction. */
export type UnitOfWork = Readonly<{
  /** The store to decide and append with: reads see what earlier commands of the unit appended. */
  store: EventStore;
  /** Appends every stream's pending events in `tx`, each checked against the version it was read at. */
  flush: (tx: Transaction) => Promise<void>;
}>;

/**
 * Port: a service's event store, as application code sees it. Emmett's four operations, plus the two ways a
 * use case appends together with other writes: in an open transaction ({@link within}) and as a unit of work
 * over several commands ({@link unitOfWork}). Bound in each service's module to a PostgreSQL adapter
 * (`PostgresEventStoreAdapter`); an abstract class so that it is its own DI token.
 */
export abstract class EventStore implements Store {
  abstract readonly aggregateStream: Store['aggregateStream'];
  abstract readonly readStream: Store['readStream'];
  abstract readonly appendToStream: Store['appendToStream'];
  abstract readonly streamExists: Store['streamExists'];

  /** The same store, appending in `tx`: the events commit (or roll back) with whatever else `tx` writes. */
  abstract within(tx: Transaction): EventStore;

  /** A unit of work over this store (see {@link UnitOfWork}). */
  abstract unitOfWork(): UnitOfWork;

  /**
   * Decides commands that each create a stream, reading all streams at once and appending every new one in one
   * transaction; `options.beforeCommit` writes in that transaction (see `handleNewStreamCommands`).
   */
  abstract handleNewStreamCommands<C extends DomainCommand, S, E extends DomainEvent>(
    decider: Decider<C, S, E>,
    commands: readonly StreamCommand<C>[],
    options: NewStreamCommandsOptions<E>,
  ): Promise<CommandOutcome<S, E>[]>;
}
